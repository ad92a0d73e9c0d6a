// The staff console: suggestions for the caller in front of you, the queue of handed-off enquiries, the
// monthly report, FAQ drafts and, for operators, their approval. Everything from the corpus or a resident is
// rendered with textContent; the one exception is the report, which the service itself renders (escaped,
// no script) and which is parsed into an inert document before it is shown.
"use strict";

const TEXT = {
  ja: {
    skip: "本文へ移動", title: "窓口 職員コンソール", signin: "サインイン", token: "職員トークン",
    signinButton: "サインイン", tokenHint: "トークンはこのブラウザのタブを閉じるまでだけ保存されます。",
    signout: "サインアウト", askTitle: "回答候補を探す", question: "お客様のお問い合わせ内容", find: "候補を表示",
    queueTitle: "引き継ぎ待ちの問い合わせ", status: "状態", open: "未対応", claimed: "対応中", resolved: "完了",
    refresh: "更新", copy: "回答をコピー", copied: "コピーしました", source: "出典", asOf: "時点",
    confidence: "確からしさ", claim: "担当する", resolve: "完了にする", resolution: "対応内容",
    thread: "住民とのやりとり", replyText: "住民への返信（個人情報は自動で伏せられます）", replyEntry: "出典として添える項目のID（任意）",
    sendReply: "返信を送る", replySent: "返信を送りました。", fromResident: "住民", fromStaff: "職員", closed: "終了",
    propose: "この回答をFAQとして提案する", faqQuestion: "FAQの質問", faqAnswer: "FAQの回答", save: "保存",
    none: "該当するものはありません。", searching: "検索しています…", found: "{n}件の候補があります。",
    loaded: "{n}件の問い合わせがあります。", unauthorized: "トークンが正しくありません。",
    failed: "エラー: {message}", reference: "受付番号", reason: "理由", transcript: "会話",
    overdue: "期限超過", wrong_answer: "回答の誤りの報告", low_confidence: "確信度が低い", out_of_scope: "対象外", sensitive: "緊急・相談",
    reasonFilter: "理由", anyReason: "すべて", more: "さらに表示",
    reportsTitle: "月次報告", month: "対象月（空欄は今月）", thisMonth: "今月", showReport: "報告を表示", downloadCsv: "CSVで保存",
    downloadJson: "JSONで保存", loadingReport: "報告を作成しています…", reportShown: "{month}の報告を表示しました。",
    draftTitle: "FAQ案を作る", asked: "住民の質問（この質問に答える項目を作ります）", draftLang: "言語",
    department: "担当", category: "分野", pageUrl: "関連ページのURL（任意）", submitDraft: "運用者に提出",
    myProposals: "提出したFAQ案", submitted: "承認待ち", approved: "承認済み（反映中）", rejected: "差し戻し",
    live: "公開中", drafted: "FAQ案を提出しました。", drafting: "トピックからFAQ案を作成中です。質問と回答を書いてください。",
    generation: "版", because: "理由",
    reviewTitle: "見直しが必要な項目", loadReview: "一覧を表示", outdated: "更新日が古い項目",
    uncited: "最近引用されていない項目", poorly_rated: "誤りの報告・評価が低い項目",
    easy_text_to_check: "やさしい日本語の見直し（文の長さ・二重否定・敬語・カタカナ語・和暦）", without_easy_text: "やさしい日本語の文がない項目", reportedWrong: "誤りの報告 {n}件", updated: "更新日",
    operatorTitle: "運用者：FAQ案の承認、AIの停止、お知らせ", adminToken: "運用者トークン", showPending: "承認待ちを表示",
    approve: "承認して公開", reject: "差し戻す", rejectReason: "差し戻しの理由", publishing: "公開処理中 {p}%",
    published: "公開されました（版 {generation}）。", publishFailed: "公開できませんでした: {message}",
    queuedNext: "承認しました。次の再読み込みで公開されます。", proposedBy: "提出者",
    firstToday: "この質問に今いちばん先に使われる出典: {title}", canariesToday: "確認用の質問 {total} 件の今の出典: {list}",
    confirmCanaries: "この項目が確認用の質問の公式の回答より先に使われてもよい",
    withdrawn: "取り下げ",
    switchesTitle: "AI回答の停止（キルスイッチ）", switchTarget: "対象", targetAll: "すべての窓口",
    targetWeb: "チャットページ", targetApi: "API", targetLine: "LINE", targetGenerative: "生成AIによる文章化のみ",
    switchReason: "理由（透明性レポートで公開されます）", switchOff: "停止する", switchOn: "再開する",
    allOn: "すべて稼働中です。", nowOff: "停止中: {targets}", switchedOff: "{target} を停止しました。",
    switchedOn: "{target} を再開しました。", changeOff: "停止", changeOn: "再開",
    noticesTitle: "お知らせ（災害時など）", severity: "重要度", info: "お知らせ", warning: "注意",
    emergency: "緊急（生成AIによる回答を止めます）", noticeJa: "日本語の本文", noticeEn: "英語の本文",
    noticeEnds: "終了日時（最長14日後）", noticeLink: "詳しい情報のページ（任意）", publishNotice: "お知らせを掲示",
    endNotice: "終了する", running: "掲示中", notRunning: "終了", noticePublished: "お知らせを掲示しました。",
    until: "まで",
    broadcast: "LINEの友だち全員に送る", confirmBroadcast: "このお知らせをLINEの友だち全員に送ります。送信は一度だけで、取り消せません。送りますか？",
    broadcastAt: "LINEで送信済み（{time}）",
    learnedTitle: "学習した言い回し",
    learnedHint: "職員の対応と運用者の承認から学んだ質問の言い回しです。住民の選択は提案になるだけで、承認するまで使われません。候補に出すだけで、これだけで回答はしません。",
    learnedStatus: "状態", learned: "学習済み", proposed: "承認待ち（住民の選択から）", waiting: "選択待ち", removed: "削除済み", served: "検索に使用中",
    notServed: "次の再読み込みから", picks: "{n}件の会話で選ばれました", taughtBy: "教えた人",
    pick: "住民の選択", staff: "職員", operator: "運用者", entryChanged: "項目が変わったため次の版で外れます",
    removePhrasing: "削除する", approvePhrasing: "学習を承認", phrasingRemoved: "言い回しを削除しました。再読み込みを始めました。",
    phrasingApproved: "言い回しを承認しました。次の再読み込みから使われます。",
  },
  en: {
    skip: "Skip to content", title: "Madoguchi staff console", signin: "Sign in", token: "Staff token",
    signinButton: "Sign in", tokenHint: "The token is kept only until this browser tab is closed.",
    signout: "Sign out", askTitle: "Find suggested answers", question: "What the caller said", find: "Show suggestions",
    queueTitle: "Handed-off enquiries", status: "Status", open: "Open", claimed: "Claimed", resolved: "Resolved",
    refresh: "Refresh", copy: "Copy answer", copied: "Copied", source: "Source", asOf: "as of",
    confidence: "confidence", claim: "Claim", resolve: "Resolve", resolution: "What was done",
    thread: "Conversation with the resident", replyText: "Reply to the resident (personal data is masked)", replyEntry: "Entry to attach as a source (optional id)",
    sendReply: "Send the reply", replySent: "Reply sent.", fromResident: "Resident", fromStaff: "Staff", closed: "Closed",
    propose: "Propose this answer as an FAQ", faqQuestion: "FAQ question", faqAnswer: "FAQ answer", save: "Save",
    none: "Nothing here.", searching: "Searching…", found: "{n} suggestions.", loaded: "{n} enquiries.",
    unauthorized: "The token is not valid.", failed: "Error: {message}", reference: "Reference",
    reason: "Reason", transcript: "Conversation",
    overdue: "overdue", wrong_answer: "answer reported wrong", low_confidence: "low confidence", out_of_scope: "out of scope", sensitive: "urgent or sensitive",
    reasonFilter: "Reason", anyReason: "All", more: "Show more",
    reportsTitle: "Monthly report", month: "Month (empty: this month)", thisMonth: "this month", showReport: "Show the report", downloadCsv: "Save as CSV",
    downloadJson: "Save as JSON", loadingReport: "Making the report…", reportShown: "Report of {month} shown.",
    draftTitle: "Draft an FAQ entry", asked: "The resident's question (the entry must answer it)", draftLang: "Language",
    department: "Department", category: "Subject", pageUrl: "URL of a related page (optional)",
    submitDraft: "Submit to the operators", myProposals: "Submitted drafts", submitted: "waiting for approval",
    approved: "approved (being published)", rejected: "sent back", live: "live", drafted: "Draft submitted.",
    drafting: "Drafting from a topic: write the question and the answer.", generation: "version", because: "Reason",
    reviewTitle: "Entries to review", loadReview: "Show the lists", outdated: "Not updated for long",
    uncited: "Not cited recently", poorly_rated: "Reported wrong or rated poorly",
    easy_text_to_check: "Easy Japanese to check (sentence length, double negatives, honorifics, katakana, era years)",
    without_easy_text: "Entries with no easy Japanese text", reportedWrong: "reported wrong {n}×", updated: "updated",
    operatorTitle: "Operators: FAQ drafts, pausing the AI, notices", adminToken: "Operator token", showPending: "Show drafts waiting",
    approve: "Approve and publish", reject: "Send back", rejectReason: "Why it is sent back",
    publishing: "Publishing {p}%", published: "Published (version {generation}).",
    publishFailed: "Could not publish: {message}", queuedNext: "Approved; the next reload publishes it.",
    proposedBy: "Proposed by",
    firstToday: "Answered first today from: {title}", canariesToday: "First sources of the {total} canary questions today: {list}",
    confirmCanaries: "This entry may come before the official answer of a canary question",
    withdrawn: "withdrawn",
    switchesTitle: "Pause the AI answers (kill switch)", switchTarget: "Target", targetAll: "Every channel",
    targetWeb: "The chat page", targetApi: "The API", targetLine: "LINE", targetGenerative: "Only the generative wording",
    switchReason: "Reason (published in the transparency report)", switchOff: "Pause", switchOn: "Bring back",
    allOn: "Everything is running.", nowOff: "Paused: {targets}", switchedOff: "{target} paused.",
    switchedOn: "{target} back on.", changeOff: "paused", changeOn: "back on",
    noticesTitle: "Notices (disasters and the like)", severity: "Severity", info: "Information", warning: "Warning",
    emergency: "Emergency (switches generated answers off)", noticeJa: "Japanese text", noticeEn: "English text",
    noticeEnds: "Ends (at most 14 days on)", noticeLink: "A page with more (optional)", publishNotice: "Publish the notice",
    endNotice: "End it now", running: "running", notRunning: "ended", noticePublished: "Notice published.",
    until: "until",
    broadcast: "Send to every LINE follower", confirmBroadcast: "This sends the notice to every follower of the city's LINE account, once; it cannot be taken back. Send it?",
    broadcastAt: "Sent on LINE ({time})",
    learnedTitle: "Learned phrasings",
    learnedHint: "Residents' questions learned from staff's resolutions and operators' approvals; residents' picks only propose one, unused until approved. They only bring an entry into the choices; they never answer alone.",
    learnedStatus: "Status", learned: "learned", proposed: "proposed by residents' picks: approve to learn", waiting: "waiting for picks", removed: "removed", served: "searched now",
    notServed: "from the next reload", picks: "picked in {n} conversations", taughtBy: "Taught by",
    pick: "residents' picks", staff: "staff", operator: "operator", entryChanged: "the entry changed: the next version drops it",
    removePhrasing: "Remove", approvePhrasing: "Approve", phrasingRemoved: "Phrasing removed; a reload has started.",
    phrasingApproved: "Phrasing approved; it is used from the next reload.",
  },
};

// Tokens are kept per municipality: the console of /t/a/ never sends its token to /t/b/.
const tenantPath = location.pathname.replace(/console\/?$/, "");
const STAFF_TOKEN_KEY = "madoguchi-staff-token:" + tenantPath;
const ADMIN_TOKEN_KEY = "madoguchi-admin-token:" + tenantPath;

async function call(method, path, body, tokenKey = STAFF_TOKEN_KEY) {
  const response = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + sessionStorage.getItem(tokenKey), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    if ((response.status === 401 || response.status === 403) && tokenKey === STAFF_TOKEN_KEY) showSignin();
    throw new Error(data.error ? data.error.message : response.statusText);
  }
  return response;
}

async function api(method, path, body, tokenKey) {
  return (await call(method, path, body, tokenKey)).json();
}

const adminApi = (method, path, body) => api(method, path, body, ADMIN_TOKEN_KEY);

function showSignin() {
  sessionStorage.removeItem(STAFF_TOKEN_KEY);
  $("signin").hidden = false;
  $("workspace").hidden = true;
}

function showWorkspace() {
  $("signin").hidden = true;
  $("workspace").hidden = false;
  loadCases();
  loadProposals();
  loadDepartments().catch((error) => say(t("failed", { message: error.message })));
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {  // no clipboard permission: the old way, through a selected text area
    const area = el("textarea", text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  say(t("copied"));
}

function renderSuggestion(s, rank) {
  const item = el("li");
  item.append(el("h3", `${rank}. ${s.citation.title}`));
  const meta = el("p", "", "meta");
  meta.append(`${t("source")}: `);
  const link = el("a", s.citation.section || s.citation.id);
  link.href = s.citation.url;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  meta.append(link, ` · ${s.citation.updated} ${t("asOf")} · ${t("confidence")} ${Math.round(s.confidence * 100)}%`);
  item.append(meta, el("p", s.answer, "answer"));
  const copy = el("button", t("copy"), "secondary");
  copy.type = "button";
  copy.addEventListener("click", () => copyText(s.answer));
  item.append(copy);
  return item;
}

async function suggest(event) {
  event.preventDefault();
  const list = $("suggestions");
  list.replaceChildren();
  say(t("searching"));
  try {
    const data = await api("POST", "v1/suggest", { question: $("question").value, k: 5 });
    data.suggestions.forEach((s, i) => list.append(renderSuggestion(s, i + 1)));
    say(data.suggestions.length ? t("found", { n: data.suggestions.length }) : t("none"));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

// A labelled input or text area added to `form`, its id made unique by `id`.
function addField(form, key, tag, id, value = "") {
  const label = el("label", t(key));
  const input = el(tag);
  input.id = `${key}-${id}`;
  input.value = value;
  label.htmlFor = input.id;
  form.append(label, input);
  return input;
}

function resolveForm(item, id) {
  const form = el("form");
  const field = (key, tag) => addField(form, key, tag, id);
  const resolution = field("resolution", "textarea");
  resolution.required = true;
  const propose = el("input");
  propose.type = "checkbox";
  propose.id = `propose-${id}`;
  const proposeLabel = el("label", t("propose"));
  proposeLabel.htmlFor = propose.id;
  form.append(propose, proposeLabel);
  const question = field("faqQuestion", "input");
  const answer = field("faqAnswer", "textarea");
  form.append(el("button", t("save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { resolution: resolution.value };
    if (propose.checked) body.propose_faq = { question: question.value, answer: answer.value };
    try {
      await api("POST", `v1/handoffs/${id}/resolve`, body);
      loadCases();
    } catch (error) {
      say(t("failed", { message: error.message }));
    }
  });
  item.append(form);
  resolution.focus();
}

function renderCase(c) {
  const item = el("li");
  const heading = el("h3", `${t("reference")} ${c.reference}`);
  if (c.overdue) heading.append(" ", el("span", t("overdue"), "warn"));
  item.append(heading);
  item.append(el("p", `${t("reason")}: ${t(c.reason)} · ${new Date(c.created_at).toLocaleString(page.lang)} · ${c.department}`, "meta"));
  const transcript = el("ol");
  transcript.setAttribute("aria-label", t("transcript"));
  c.transcript.forEach((line) => transcript.append(el("li", line)));
  item.append(transcript);
  const suggestions = el("ul");
  c.suggestions.forEach((s) => suggestions.append(el("li", `${s.title} ${s.section}`.trim())));
  item.append(suggestions);
  if (c.status === "open") {
    const claim = el("button", t("claim"));
    claim.type = "button";
    claim.addEventListener("click", async () => {
      try { await api("POST", `v1/handoffs/${c.id}/claim`, { staff: "console" }); loadCases(); }
      catch (error) { say(t("failed", { message: error.message })); loadCases(); }
    });
    item.append(claim);
  }
  if (c.status !== "open") showThread(item, c);
  if (c.status !== "resolved") {
    const resolve = el("button", t("resolve"), "secondary");
    resolve.type = "button";
    resolve.addEventListener("click", () => { resolve.disabled = true; resolveForm(item, c.id); });
    item.append(resolve);
  }
  return item;
}

// The conversation of a case with its resident, and, while it is claimed, a reply that reaches them where they
// asked (the chat page, or LINE).
async function showThread(item, c) {
  const box = el("section");
  box.append(el("h4", t("thread")));
  const list = el("ol", undefined, "thread");
  box.append(list);
  item.append(box);
  const who = { resident: "fromResident", staff: "fromStaff", closing: "closed" };
  const refresh = async () => {
    const messages = await api("GET", `v1/handoffs/${c.id}/messages`);
    list.replaceChildren(...messages.map((m) => el("li", `${t(who[m.author])}: ${m.text}`)));
  };
  try { await refresh(); } catch (error) { say(t("failed", { message: error.message })); }
  if (c.status !== "claimed") return;
  const form = el("form");
  const text = addField(form, "replyText", "textarea", c.id);
  text.required = true;
  let told = 0;
  text.addEventListener("input", () => {  // the resident sees "staff are writing" while this box changes
    if (Date.now() - told < 3000) return;
    told = Date.now();
    api("POST", `v1/handoffs/${c.id}/typing`).catch(() => {});
  });
  const entry = addField(form, "replyEntry", "input", c.id);
  form.append(el("button", t("sendReply")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: text.value, staff: "console" };
    if (entry.value.trim()) body.entry = entry.value.trim();
    try {
      await api("POST", `v1/handoffs/${c.id}/messages`, body);
      text.value = "";
      entry.value = "";
      say(t("replySent"));
      await refresh();
    } catch (error) {
      say(t("failed", { message: error.message }));
    }
  });
  box.append(form);
}

let nextCursor = null;

// The first page of the queue (sensitive cases first, then newest first), or the next one with `more`.
async function loadCases(more) {
  const list = $("cases");
  const query = new URLSearchParams({ status: $("status-filter").value, limit: "20" });
  if ($("reason-filter").value) query.set("reason", $("reason-filter").value);
  if (more === true && nextCursor) query.set("cursor", nextCursor);
  try {
    const data = await api("GET", `v1/handoffs?${query}`);
    if (more === true) list.append(...data.cases.map(renderCase));
    else list.replaceChildren(...data.cases.map(renderCase));
    if (!list.children.length) list.append(el("li", t("none")));
    nextCursor = data.next_cursor;
    $("more").hidden = !nextCursor;
    say(t("loaded", { n: list.querySelectorAll(":scope > li > h3").length }));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}


// The monthly report, as the service draws it (charts, each with its table).
function reportQuery(format) {  // no month: the city's current month
  const query = new URLSearchParams({ format, lang: page.lang });
  if ($("report-month").value) query.set("month", $("report-month").value);
  return query;
}

async function showReport(event) {
  if (event) event.preventDefault();
  say(t("loadingReport"));
  try {
    const html = await (await call("GET", `v1/reports/monthly?${reportQuery("html")}`)).text();
    const inert = new DOMParser().parseFromString(html, "text/html");
    $("report").replaceChildren(...inert.body.childNodes);
    say(t("reportShown", { month: $("report-month").value || t("thisMonth") }));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

async function download(format) {
  try {
    const blob = await (await call("GET", `v1/reports/monthly?${reportQuery(format)}`)).blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = `madoguchi-report-${$("report-month").value || "this-month"}.${format}`;
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

let departments = [];

async function loadDepartments() {
  departments = (await api("GET", "v1/departments")).departments;
  const select = $("draft-department");
  const chosen = select.value;
  select.replaceChildren(...departments.map((d) => {
    const option = el("option", `${d[page.lang]} (${d.key})`);
    option.value = d.key;
    return option;
  }));
  if (chosen) select.value = chosen;
}

// A topic's "draft" button fills the form with its most asked question and its nearest source's department.
function draftFromTopic(button) {
  $("draft-asked").value = button.dataset.asked;
  $("draft-lang").value = /^[\x00-\x7F]*$/.test(button.dataset.asked) ? "en" : "ja";
  const named = departments.find((d) => [d.key, d.ja, d.en].includes(button.dataset.department));
  if (named) $("draft-department").value = named.key;
  $("draft-question").focus();
  say(t("drafting"));
}

async function submitDraft(event) {
  event.preventDefault();
  const body = {
    lang: $("draft-lang").value, asked: $("draft-asked").value, question: $("draft-question").value,
    answer: $("draft-answer").value, department: $("draft-department").value, category: $("draft-category").value,
    origin: "topic", proposed_by: "console",
  };
  if ($("draft-url").value) body.url = $("draft-url").value;
  try {
    await api("POST", "v1/proposals", body);
    $("draft-form").reset();
    say(t("drafted"));
    loadProposals();
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

function renderProposal(p) {
  const item = el("li");
  item.append(el("h4", p.question));
  let state = `${t(p.status)} · ${new Date(p.created_at).toLocaleString(page.lang)}`;
  if (p.status === "live") state += ` · ${t("generation")} ${p.generation}`;
  if (p.reason) state += ` · ${t("because")}: ${p.reason}`;  // sent back, withdrawn, or not published
  item.append(el("p", state, "meta"), el("p", p.answer, "answer"));
  return item;
}

// A list of the console from one read of the API: each item rendered, or "none".
async function fillList(listId, read, render) {
  try {
    const items = await read();
    $(listId).replaceChildren(...items.map(render));
    if (!items.length) $(listId).append(el("li", t("none")));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

function loadProposals() {
  return fillList("proposals", async () => (await api("GET", "v1/proposals?limit=20")).proposals, renderProposal);
}

async function loadReview() {
  try {
    const data = await api("GET", "v1/content/review");
    const parts = ["outdated", "uncited", "poorly_rated", "easy_text_to_check", "without_easy_text"].map((name) => {
      const part = el("section");
      part.append(el("h3", `${t(name)} (${data[name].length})`));
      const list = el("ul");
      data[name].forEach((e) => {
        const reported = e.wrong ? ` · ${t("reportedWrong", { n: e.wrong })}` : "";
        const item = el("li", `${e.title} — ${e.department} · ${t("updated")} ${e.updated}${reported}`);
        if (e.easy_problems && e.easy_problems.length) item.append(el("p", e.easy_problems.join(" / "), "meta"));
        list.append(item);
      });
      if (!data[name].length) list.append(el("li", t("none")));
      part.append(list);
      return part;
    });
    $("review").replaceChildren(...parts);
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

// Operators: each draft waiting, editable, approved (and followed until it is live) or sent back with a reason.
function renderPending(p) {
  const item = el("li");
  const form = el("form");
  const field = (key, tag, value) => addField(form, key, tag, p.id, value);
  item.append(el("p", `${t("asked")}: ${p.asked} · ${t("proposedBy")}: ${p.proposed_by} · ${p.department}`, "meta"));
  const question = field("faqQuestion", "input", p.question);
  const answer = field("faqAnswer", "textarea", p.answer);
  const reason = field("rejectReason", "input", "");
  const confirm = el("input");
  confirm.type = "checkbox";
  confirm.id = `confirmCanaries-${p.id}`;
  const confirmLabel = el("label", t("confirmCanaries"));
  confirmLabel.htmlFor = confirm.id;
  form.append(confirm, confirmLabel);
  const preview = el("p", "", "meta");  // what answers the question today, and every canary: nothing replaced unseen
  adminApi("GET", `v1/admin/proposals/${p.id}/preview`).then((seen) => {
    const list = seen.canaries.map((c) => `${c.question} → ${c.first || "—"}`).join(" / ");
    preview.textContent = `${t("firstToday", { title: seen.own.title || "—" })}. ${t("canariesToday", { total: seen.canaries.length, list })}`;
  }).catch((error) => say(t("failed", { message: error.message })));
  const progress = el("progress");
  progress.max = 1;
  progress.value = 0;
  progress.hidden = true;
  progress.setAttribute("aria-label", t("publishing", { p: 0 }));
  const approve = el("button", t("approve"));
  approve.type = "button";
  const reject = el("button", t("reject"), "secondary");
  reject.type = "button";
  const outcome = el("p", "", "meta");
  form.append(approve, reject, progress);
  item.append(preview, form, outcome);
  approve.addEventListener("click", async () => {
    approve.disabled = reject.disabled = true;
    try {
      const approved = await adminApi("POST", `v1/admin/proposals/${p.id}/approve`,
        { reviewer: "console", question: question.value, answer: answer.value, canary_changes_confirmed: confirm.checked });
      if (!approved.job_id) { say(t("queuedNext")); return; }
      progress.hidden = false;
      outcome.textContent = await followJob(approved.job_id, progress);
      loadProposals();
    } catch (error) {
      say(t("failed", { message: error.message }));
    }
  });
  reject.addEventListener("click", async () => {
    if (!reason.value) { reason.focus(); return; }
    try {
      await adminApi("POST", `v1/admin/proposals/${p.id}/reject`, { reviewer: "console", reason: reason.value });
      loadPending();
      loadProposals();
    } catch (error) {
      say(t("failed", { message: error.message }));
    }
  });
  return item;
}

// Follows the reload an approval started until it ends; says and returns how it ended.
async function followJob(jobId, progress) {
  for (;;) {
    const job = await adminApi("GET", `v1/admin/jobs/${jobId}`);
    progress.value = job.progress;
    let ended = null;
    if (job.status === "succeeded") ended = t("published", { generation: job.report.generation });
    if (job.status === "failed") ended = t("publishFailed", { message: job.failure.message });
    say(ended || t("publishing", { p: Math.round(job.progress * 100) }));
    if (ended) return ended;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// Operators: notices the chat shows at the top and every answer carries (ended ones stay listed).
function renderNotice(n) {
  const item = el("li");
  item.append(el("p", `${t(n.severity)} · ${n.running ? t("running") : t("notRunning")} · ${new Date(n.ends_at).toLocaleString(page.lang)} ${t("until")}`, "meta"));
  item.append(el("p", n.text[page.lang]));
  if (n.running) {
    const end = el("button", t("endNotice"), "secondary");
    end.type = "button";
    end.addEventListener("click", async () => {
      try { await adminApi("POST", `v1/admin/notices/${n.id}/end`); loadNotices(); }
      catch (error) { say(t("failed", { message: error.message })); }
    });
    item.append(end);
  }
  if (n.broadcast_at) {
    item.append(el("p", t("broadcastAt", { time: new Date(n.broadcast_at).toLocaleString(page.lang) }), "meta"));
  } else if (n.running && n.severity === "emergency") {  // pushed to every LINE follower once, after a confirmation
    const send = el("button", t("broadcast"), "secondary");
    send.type = "button";
    send.addEventListener("click", async () => {
      if (!window.confirm(t("confirmBroadcast"))) return;
      try { await adminApi("POST", `v1/admin/notices/${n.id}/broadcast`); loadNotices(); }
      catch (error) { say(t("failed", { message: error.message })); }
    });
    item.append(send);
  }
  return item;
}

async function loadNotices() {
  try {
    const data = await adminApi("GET", "v1/admin/notices");
    $("notices").replaceChildren(...data.notices.slice(0, 10).map(renderNotice));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

function renderLearned(p) {
  const item = el("li");
  const state = [t(p.status), p.status === "removed" ? "" : (p.served ? t("served") : t("notServed"))];
  if (p.entry_changed) state.push(t("entryChanged"));
  item.append(el("p", state.filter(Boolean).join(" · "), "meta"));
  item.append(el("p", `「${p.phrasing}」 → ${p.entry_title || p.entry_id}`));
  const who = p.taught_by.map((x) => `${t(x.by)}${x.teacher ? " " + x.teacher : ""}`);
  if (p.picks) who.unshift(t("picks", { n: p.picks }));
  if (who.length) item.append(el("p", `${t("taughtBy")}: ${who.join(", ")}`, "meta"));
  const act = async (action, done) => {
    try {
      const changed = await adminApi("POST", `v1/admin/learned/${p.id}/${action}`, { operator: "console" });
      say(t(done));
      if (changed.job_id) {  // a removal's reload, followed until the version without it is live
        const progress = el("progress");
        progress.max = 1;
        progress.setAttribute("aria-label", t("publishing", { p: 0 }));
        item.append(progress);
        await followJob(changed.job_id, progress);
      }
      loadLearned();
    } catch (error) {
      say(t("failed", { message: error.message }));
    }
  };
  if (p.status === "waiting" || p.status === "proposed") {
    const approve = el("button", t("approvePhrasing"));
    approve.type = "button";
    approve.addEventListener("click", () => act("approve", "phrasingApproved"));
    item.append(approve);
  }
  if (p.status !== "removed") {
    const remove = el("button", t("removePhrasing"), "secondary");
    remove.type = "button";
    remove.setAttribute("aria-label", `${t("removePhrasing")}: ${p.phrasing}`);
    remove.addEventListener("click", () => act("remove", "phrasingRemoved"));
    item.append(remove);
  }
  return item;
}

function loadLearned() {
  return fillList("learned", async () => (await adminApi("GET", "v1/admin/learned")).phrasings, renderLearned);
}

// Operators: the off switches. Pausing asks for a reason, which the transparency report publishes.
const TARGET_LABELS = { all: "targetAll", web: "targetWeb", api: "targetApi", line: "targetLine", generative: "targetGenerative" };

function showSwitches(data) {
  $("switches-state").textContent = data.off.length
    ? t("nowOff", { targets: data.off.map((x) => t(TARGET_LABELS[x])).join(", ") }) : t("allOn");
  $("switches").replaceChildren(...data.history.slice(0, 10).map((c) => el(
    "li", `${new Date(c.at).toLocaleString(page.lang)} · ${t(TARGET_LABELS[c.target])} · ${t(c.on ? "changeOn" : "changeOff")} · ${c.reason} · ${c.by}`,
  )));
}

async function loadSwitches() {
  try { showSwitches(await adminApi("GET", "v1/admin/switches")); }
  catch (error) { say(t("failed", { message: error.message })); }
}

async function turnSwitch(event) {
  event.preventDefault();
  const on = event.submitter ? event.submitter.id === "switch-on" : false;
  const target = $("switch-target").value;
  try {
    showSwitches(await adminApi("POST", "v1/admin/switches", { target, on, reason: $("switch-reason").value, by: "console" }));
    $("switch-reason").value = "";
    say(t(on ? "switchedOn" : "switchedOff", { target: t(TARGET_LABELS[target]) }));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

async function publishNotice(event) {
  event.preventDefault();
  const body = {
    severity: $("notice-severity").value, ja: $("notice-ja").value, en: $("notice-en").value,
    ends_at: new Date($("notice-ends").value).toISOString(),
  };
  if ($("notice-link").value) body.link = $("notice-link").value;
  try {
    await adminApi("POST", "v1/admin/notices", body);
    $("notice-form").reset();
    say(t("noticePublished"));
    loadNotices();
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

async function loadPending(event) {
  if (event) {
    event.preventDefault();
    sessionStorage.setItem(ADMIN_TOKEN_KEY, $("admin-token").value);
    $("admin-token").value = "";
  }
  try {
    const data = await adminApi("GET", "v1/admin/proposals?status=submitted");
    $("pending").replaceChildren(...data.proposals.map(renderPending));
    if (!data.proposals.length) $("pending").append(el("li", t("none")));
    loadSwitches();
    loadNotices();
    loadLearned();
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpLanguage(TEXT, "ja", () => {
    if (!$("workspace").hidden) loadCases();  // the queue's buttons and labels follow the language
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(STAFF_TOKEN_KEY, $("token").value);
    $("token").value = "";
    showWorkspace();
  });
  $("signout").addEventListener("click", showSignin);
  $("ask-form").addEventListener("submit", suggest);
  $("status-filter").addEventListener("change", loadCases);
  $("reason-filter").addEventListener("change", loadCases);
  $("more").addEventListener("click", () => loadCases(true));
  $("refresh").addEventListener("click", loadCases);
  $("report-form").addEventListener("submit", showReport);
  $("report-csv").addEventListener("click", () => download("csv"));
  $("report-json").addEventListener("click", () => download("json"));
  $("report").addEventListener("click", (event) => {
    const button = event.target.closest("button.draft-faq");
    if (button) draftFromTopic(button);
  });
  $("draft-form").addEventListener("submit", submitDraft);
  $("load-review").addEventListener("click", loadReview);
  $("admin-form").addEventListener("submit", loadPending);
  $("notice-form").addEventListener("submit", publishNotice);
  $("switch-form").addEventListener("submit", turnSwitch);
  if (sessionStorage.getItem(STAFF_TOKEN_KEY)) showWorkspace();
});
