// The staff console: suggestions for the caller in front of you, and the queue of handed-off enquiries.
// Everything from the corpus or a resident is rendered with textContent, never as HTML.
"use strict";

const TEXT = {
  ja: {
    skip: "本文へ移動", title: "窓口 職員コンソール", signin: "サインイン", token: "職員トークン",
    signinButton: "サインイン", tokenHint: "トークンはこのブラウザのタブを閉じるまでだけ保存されます。",
    signout: "サインアウト", askTitle: "回答候補を探す", question: "お客様のお問い合わせ内容", find: "候補を表示",
    queueTitle: "引き継ぎ待ちの問い合わせ", status: "状態", open: "未対応", claimed: "対応中", resolved: "完了",
    refresh: "更新", copy: "回答をコピー", copied: "コピーしました", source: "出典", asOf: "時点",
    confidence: "確からしさ", claim: "担当する", resolve: "完了にする", resolution: "対応内容",
    propose: "この回答をFAQとして提案する", faqQuestion: "FAQの質問", faqAnswer: "FAQの回答", save: "保存",
    none: "該当するものはありません。", searching: "検索しています…", found: "{n}件の候補があります。",
    loaded: "{n}件の問い合わせがあります。", unauthorized: "トークンが正しくありません。",
    failed: "エラー: {message}", reference: "受付番号", reason: "理由", transcript: "会話",
    low_confidence: "確信度が低い", out_of_scope: "対象外", sensitive: "緊急・相談",
    reasonFilter: "理由", anyReason: "すべて", more: "さらに表示",
  },
  en: {
    skip: "Skip to content", title: "Madoguchi staff console", signin: "Sign in", token: "Staff token",
    signinButton: "Sign in", tokenHint: "The token is kept only until this browser tab is closed.",
    signout: "Sign out", askTitle: "Find suggested answers", question: "What the caller said", find: "Show suggestions",
    queueTitle: "Handed-off enquiries", status: "Status", open: "Open", claimed: "Claimed", resolved: "Resolved",
    refresh: "Refresh", copy: "Copy answer", copied: "Copied", source: "Source", asOf: "as of",
    confidence: "confidence", claim: "Claim", resolve: "Resolve", resolution: "What was done",
    propose: "Propose this answer as an FAQ", faqQuestion: "FAQ question", faqAnswer: "FAQ answer", save: "Save",
    none: "Nothing here.", searching: "Searching…", found: "{n} suggestions.", loaded: "{n} enquiries.",
    unauthorized: "The token is not valid.", failed: "Error: {message}", reference: "Reference",
    reason: "Reason", transcript: "Conversation",
    low_confidence: "low confidence", out_of_scope: "out of scope", sensitive: "urgent or sensitive",
    reasonFilter: "Reason", anyReason: "All", more: "Show more",
  },
};

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + sessionStorage.getItem("madoguchi-staff-token"), "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 || response.status === 403) showSignin();
    throw new Error(data.error ? data.error.message : response.statusText);
  }
  return data;
}

function showSignin() {
  sessionStorage.removeItem("madoguchi-staff-token");
  $("signin").hidden = false;
  $("workspace").hidden = true;
}

function showWorkspace() {
  $("signin").hidden = true;
  $("workspace").hidden = false;
  loadCases();
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
    const data = await api("POST", "/v1/suggest", { question: $("question").value, k: 5 });
    data.suggestions.forEach((s, i) => list.append(renderSuggestion(s, i + 1)));
    say(data.suggestions.length ? t("found", { n: data.suggestions.length }) : t("none"));
  } catch (error) {
    say(t("failed", { message: error.message }));
  }
}

function resolveForm(item, id) {
  const form = el("form");
  const field = (key, tag) => {
    const label = el("label", t(key));
    const input = el(tag);
    input.id = `${key}-${id}`;
    label.htmlFor = input.id;
    form.append(label, input);
    return input;
  };
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
      await api("POST", `/v1/handoffs/${id}/resolve`, body);
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
  item.append(el("h3", `${t("reference")} ${c.reference}`));
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
      try { await api("POST", `/v1/handoffs/${c.id}/claim`, { staff: "console" }); loadCases(); }
      catch (error) { say(t("failed", { message: error.message })); loadCases(); }
    });
    item.append(claim);
  }
  if (c.status !== "resolved") {
    const resolve = el("button", t("resolve"), "secondary");
    resolve.type = "button";
    resolve.addEventListener("click", () => { resolve.disabled = true; resolveForm(item, c.id); });
    item.append(resolve);
  }
  return item;
}

let nextCursor = null;

// The first page of the queue (sensitive cases first, then newest first), or the next one with `more`.
async function loadCases(more) {
  const list = $("cases");
  const query = new URLSearchParams({ status: $("status-filter").value, limit: "20" });
  if ($("reason-filter").value) query.set("reason", $("reason-filter").value);
  if (more === true && nextCursor) query.set("cursor", nextCursor);
  try {
    const data = await api("GET", `/v1/handoffs?${query}`);
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

document.addEventListener("DOMContentLoaded", () => {
  setUpLanguage(TEXT, "ja", () => {
    if (!$("workspace").hidden) loadCases();  // the queue's buttons and labels follow the language
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("madoguchi-staff-token", $("token").value);
    $("token").value = "";
    showWorkspace();
  });
  $("signout").addEventListener("click", showSignin);
  $("ask-form").addEventListener("submit", suggest);
  $("status-filter").addEventListener("change", loadCases);
  $("reason-filter").addEventListener("change", loadCases);
  $("more").addEventListener("click", () => loadCases(true));
  $("refresh").addEventListener("click", loadCases);
  if (sessionStorage.getItem("madoguchi-staff-token")) showWorkspace();
});
