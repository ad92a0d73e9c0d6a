// The residents' chat. Every text from the corpus or from a resident is rendered with textContent, never
// as HTML; the page runs no inline script and loads nothing from elsewhere.
"use strict";

const TEXT = {
  ja: {
    skip: "質問の入力へ移動", title: "市役所 AI 案内窓口", conversation: "会話",
    noticeLink: "AIの利用について（保存する情報・お問い合わせ先）",
    notice: "このチャットはAI（人工知能）が市の公開情報をもとに自動で回答します。回答には出典を示します。確かでないときや緊急のときは、職員や窓口をご案内します。個人情報は入力しないでください。",
    easy: "やさしい日本語（むずかしい漢字に ふりがな）",
    question: "ご質問", hint: "例: 粗大ごみの出し方を教えてください", send: "送信", restart: "新しい会話",
    you: "あなた", assistant: "AI 案内", sources: "出典", asOf: "{date}時点", thinking: "回答を準備しています…",
    answered: "回答が届きました。", helpful: "役に立った", notHelpful: "役に立たなかった",
    wrong: "回答の誤りを報告", wrongWhat: "どこが違っていましたか（任意。個人情報は書かないでください）",
    sendWrong: "報告する", wrongThanks: "ご指摘ありがとうございます。担当課が確認します（受付番号 {reference}）。",
    thanks: "ご意見ありがとうございます。", feedbackFailed: "ご意見を送信できませんでした。もう一度お試しください。",
    handoffTitle: "職員がご案内します", notices: "市からのお知らせ", more: "詳しくはこちら",
    failed: "送信できませんでした: {message}", restarted: "新しい会話を始めました。",
    choicesTitle: "近い内容", noneOfThese: "この中にはない", choices: "{n}件の候補から選べます。",
    starting: "よく聞かれていること",
    staffOf: "{department}の職員", staffReplied: "職員から返信が届きました。", resolvedYes: "解決した",
    resolvedNo: "解決していない", rated: "お答えいただきありがとうございます。", staffTyping: "職員が返信を書いています…",
  },
  en: {
    skip: "Skip to the question box", title: "City Hall AI help desk", conversation: "Conversation",
    noticeLink: "About the AI (what is kept, whom to contact)",
    notice: "This chat is answered automatically by AI (artificial intelligence) from the city's published information, and shows its sources. When it is unsure, or it is urgent, it tells you whom to contact. Please do not type personal information.",
    easy: "Easy Japanese: readings (furigana) over harder kanji in Japanese answers",
    question: "Your question", hint: "For example: How do I put out bulky garbage?", send: "Send", restart: "New conversation",
    you: "You", assistant: "AI help desk", sources: "Sources", asOf: "as of {date}", thinking: "Preparing an answer…",
    answered: "An answer has arrived.", helpful: "Helpful", notHelpful: "Not helpful",
    wrong: "Report this answer as wrong", wrongWhat: "What was wrong? (optional; please no personal details)",
    sendWrong: "Send the report", wrongThanks: "Thank you. The department will check it (reference {reference}).",
    thanks: "Thank you for your feedback.", feedbackFailed: "Your feedback could not be sent. Please try again.",
    handoffTitle: "A member of staff will help you", notices: "Notices from the city", more: "More information",
    failed: "Could not send: {message}", restarted: "A new conversation has started.",
    choicesTitle: "Closest topics", noneOfThese: "None of these", choices: "{n} topics to choose from.",
    starting: "Often asked",
    staffOf: "Staff of {department}", staffReplied: "A member of staff has replied.", resolvedYes: "Resolved",
    resolvedNo: "Not resolved", rated: "Thank you for letting us know.", staffTyping: "Staff are writing a reply…",
  },
};

function message(kind, langOfText) {
  const item = el("li", undefined, kind);
  item.append(el("p", t(kind === "resident" ? "you" : "assistant"), "who"));
  if (langOfText) item.lang = langOfText;
  $("messages").append(item);
  return item;
}

// The answer's text; with やさしい日本語, its harder kanji under <ruby> with their readings (the text is the same).
function answerText(body) {
  if (!body.furigana) return el("p", body.answer, "answer");
  const paragraph = el("p", undefined, "answer");
  for (const piece of body.furigana) {
    if (!piece.reading) {
      paragraph.append(document.createTextNode(piece.text));
      continue;
    }
    const ruby = document.createElement("ruby");
    ruby.append(document.createTextNode(piece.text), el("rt", piece.reading));
    paragraph.append(ruby);
  }
  return paragraph;
}

function renderSources(item, citations) {
  if (!citations.length) return;
  item.append(el("p", t("sources"), "who"));
  const list = el("ol", undefined, "sources");
  citations.forEach((c) => {
    const entry = el("li");
    const link = el("a", [c.title, c.section].filter(Boolean).join(" "));
    link.href = c.url;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    entry.append(link);
    if (c.updated) entry.append(` (${t("asOf", { date: c.updated })})`);
    list.append(entry);
  });
  item.append(list);
}

function renderHandoff(item, body) {
  const box = el("div", undefined, body.handoff.reason === "sensitive" ? "handoff emergency" : "handoff");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", t("handoffTitle"));
  if (body.handoff.reason === "sensitive" && body.handoff.contact) {
    box.append(el("p", body.handoff.contact, "contact"));  // the emergency number first, and large
  }
  // The server's words, in the question's language: what happens next, whom to call, the reference to quote.
  box.append(answerText(body));
  item.append(box);
}

function renderFeedback(item, answerId) {
  const row = el("p", undefined, "feedback");
  const send = async (body) => {
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const response = await fetch("v1/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ answer_id: answerId, ...body }),
    }).catch(() => null);
    if (response && response.ok) return response.json();
    row.append(el("span", " " + t("feedbackFailed"), "warn"));  // say so, and let the resident try again
    row.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    return null;
  };
  for (const [key, helpful] of [["helpful", true], ["notHelpful", false]]) {
    const button = el("button", t(key), "secondary");
    button.type = "button";
    button.addEventListener("click", async () => {
      if (await send({ helpful })) row.append(el("span", " " + t("thanks")));
    });
    row.append(button);
  }
  // "This answer is wrong": a case for the department of its source, with what the resident says (optional)
  const wrong = el("button", t("wrong"), "secondary");
  wrong.type = "button";
  wrong.setAttribute("aria-expanded", "false");
  wrong.addEventListener("click", () => {
    if (row.querySelector(".wrong-form")) return;
    wrong.setAttribute("aria-expanded", "true");
    const form = el("span", undefined, "wrong-form");
    const id = `wrong-${answerId}`;
    const label = el("label", t("wrongWhat"));
    label.htmlFor = id;
    const comment = el("textarea");
    comment.id = id;
    comment.rows = 2;
    comment.maxLength = 2000;
    const submit = el("button", t("sendWrong"));
    submit.type = "button";
    submit.addEventListener("click", async () => {
      const body = { helpful: false, wrong: true };
      if (comment.value.trim()) body.comment = comment.value;
      const sent = await send(body);
      if (sent) form.replaceChildren(el("span", t("wrongThanks", { reference: sent.reference })));
    });
    form.append(label, comment, submit);
    row.append(form);
    comment.focus();
  });
  row.append(wrong);
  item.append(row);
}

// The answer arrives as server-sent events: where the city runs a language model, a draft grows while it
// writes; the final "done" event carries the checked answer, which replaces the draft (after a failed check
// it is the extractive answer). Without a model there is only the "done" event.
async function fetchAnswer(payload, onToken) {
  const response = await fetch("v1/ask/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Madoguchi-Channel": "web" },  // an off switch may pause the page alone
    body: JSON.stringify(payload),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error ? body.error.message : response.statusText);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const kind = (block.match(/^event: (.*)$/m) || [])[1];
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
      if (kind === "token") onToken(data);
      else if (kind === "done") return data;
      else if (kind === "error") throw new Error(data.error.message);
    }
  }
  throw new Error(response.statusText || "the answer stopped before it was complete");
}

// The likely entries, when the service asks back: a list of buttons under a heading, "none of these" last.
function renderChoices(item, body) {
  item.append(answerText(body));
  const heading = el("h3", t("choicesTitle"), "who");
  heading.id = `choices-${body.answer_id}`;
  const list = el("ul", undefined, "choices");
  list.setAttribute("aria-labelledby", heading.id);
  const options = body.choices.map((c) => [c.id, [c.title, c.section].filter(Boolean).join(" ")]);
  options.push(["none", t("noneOfThese")]);
  options.forEach(([id, label]) => {
    const button = el("button", label, id === "none" ? "secondary" : "choice");
    button.type = "button";
    button.addEventListener("click", () => {
      list.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      send({ choice: id, conversation_id: body.conversation_id }, label);
    });
    const entry = el("li");
    entry.append(button);
    list.append(entry);
  });
  item.append(heading, list);
  list.querySelector("button").focus();  // the keyboard is where the choice is
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  const payload = { question };  // the service detects the question's language; the page's is for its labels
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (conversation) payload.conversation_id = conversation;
  await send(payload, question);
}

// Sends a question or a pick, and shows what the resident sent and the reply.
async function send(payload, shown) {
  if ($("easy").checked) payload.easy_japanese = true;  // やさしい日本語: the answer comes with its readings
  $("starting").hidden = true;
  message("resident").append(el("p", shown, "answer"));
  $("send").disabled = true;
  say(t("thinking"));
  let item = null;
  let draft = null;
  try {
    const body = await fetchAnswer(payload, (token) => {
      if (!draft) {
        item = message("assistant");
        draft = el("p", "", "answer draft");
        draft.setAttribute("aria-hidden", "true");  // screen readers hear the checked answer, once
        item.append(draft);
      }
      draft.textContent += token;
    });
    sessionStorage.setItem("madoguchi-conversation", body.conversation_id);
    if (draft) draft.remove();
    item = item || message("assistant");
    item.lang = body.lang;
    if (body.outcome === "clarify") {
      renderChoices(item, body);
      say(t("choices", { n: body.choices.length }));
      return;
    }
    if (body.handoff.needed) {
      renderHandoff(item, body);
    } else {
      item.append(answerText(body));
      renderSources(item, body.citations);
    }
    if (body.outcome !== "with_staff") renderFeedback(item, body.answer_id);  // staff, not the AI, answer now
    if (body.handoff.needed) followStaff();  // a person takes over: their replies appear here
    say(t("answered"));
    $("question").focus();
  } catch (error) {
    if (draft) draft.remove();
    (item || message("assistant")).append(el("p", t("failed", { message: error.message }), "warn"));
    $("question").focus();
  } finally {
    $("send").disabled = false;
  }
}

// A conversation handed to a person: staff's replies and their close appear in it as they come (a stream of
// server-sent events, whichever worker or replica the staff console used; read every 1.5 s where the browser has
// no EventSource), until it is back with the bot. While it is with staff the conversation is also kept in
// localStorage, so that the reply is still there after the tab is closed or the next day; "New conversation"
// and the resident's rating forget it.
const staff = { after: 0, source: null, timer: null, restoring: false };
const HANDED = "madoguchi-handed-to-staff";

function followStaff() {
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (!conversation || staff.source || staff.timer) return;
  localStorage.setItem(HANDED, conversation);
  if (!window.EventSource) {
    staff.timer = setInterval(readStaff, 1500);
    return;
  }
  const url = `v1/conversations/${encodeURIComponent(conversation)}/events?after=${staff.after}`;
  staff.source = new EventSource(url);
  staff.source.addEventListener("message", (event) => renderStaffMessage(JSON.parse(event.data)));
  staff.source.addEventListener("state", (event) => showStaffState(JSON.parse(event.data)));
}

function stopFollowing() {
  if (staff.source) staff.source.close();
  if (staff.timer) clearInterval(staff.timer);
  Object.assign(staff, { source: null, timer: null, restoring: false });
}

async function readStaff() {
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (!conversation) return;
  try {
    const response = await fetch(`v1/conversations/${encodeURIComponent(conversation)}/messages?after=${staff.after}`);
    if (!response.ok) return;
    const thread = await response.json();
    thread.messages.forEach(renderStaffMessage);
    showStaffState(thread);
  } catch (error) {
    // the next read tries again
  }
}

function showStaffState(thread) {
  staff.restoring = false;  // what came before the first state was the conversation so far
  const typing = $("staff-typing");
  typing.textContent = thread.typing ? t("staffTyping") : "";
  typing.hidden = !thread.typing;
  if (thread.state === "bot") stopFollowing();
}

function renderStaffMessage(m) {
  if (m.id <= staff.after) return;  // a stream that reconnected repeats nothing, but a read may overlap it
  staff.after = m.id;
  if (m.author === "resident") {
    if (staff.restoring) message("resident").append(el("p", m.text));  // shown as sent, unless the page was reloaded
    return;
  }
  const item = el("li", undefined, "staff");
  item.append(el("p", t("staffOf", { department: m.department }), "who"));
  item.append(el("p", m.text, "answer"));
  if (m.citation) renderSources(item, [m.citation]);
  if (m.author === "closing") renderRating(item);
  $("messages").append(item);
  say(t("staffReplied"));
}

function renderRating(item) {
  const row = el("p", undefined, "feedback");
  [["resolvedYes", true], ["resolvedNo", false]].forEach(([label, resolved]) => {
    const button = el("button", t(label), "secondary");
    button.type = "button";
    button.addEventListener("click", async () => {
      const conversation = sessionStorage.getItem("madoguchi-conversation");
      const response = await fetch(`v1/conversations/${encodeURIComponent(conversation)}/resolved`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ resolved }),
      });
      row.replaceChildren(el("span", response.ok ? t("rated") : t("feedbackFailed")));
      if (response.ok) localStorage.removeItem(HANDED);
    });
    row.append(button);
  });
  item.append(row);
}

// Where to start: the entries residents asked about most this month, as buttons that ask them; shown until
// the first question.
async function showStartingPoints() {
  let entries = [];
  try {
    const response = await fetch(`v1/starting-points?lang=${page.lang}`);
    if (response.ok) entries = (await response.json()).entries;
  } catch (error) { entries = []; }
  const list = $("starting-list");
  list.replaceChildren(...entries.map((entry) => {
    const button = el("button", entry.title, "choice");
    button.type = "button";
    button.addEventListener("click", () => {
      $("starting").hidden = true;
      const payload = { question: entry.title };
      const conversation = sessionStorage.getItem("madoguchi-conversation");
      if (conversation) payload.conversation_id = conversation;
      send(payload, entry.title);
    });
    const item = el("li");
    item.append(button);
    return item;
  }));
  $("starting").hidden = entries.length === 0 || $("messages").children.length > 0;
}

// The city's emergency notices (a typhoon, an earthquake) at the top, in the page's language; an emergency
// is announced at once (role="alert"), the others are read in their turn.
let shownNotices = "";

async function showNotices() {
  const box = $("notices");
  let notices = [];
  try {
    const response = await fetch(`v1/notices?lang=${page.lang}`);
    if (!response.ok) return;  // keep what is shown
    notices = await response.json();
  } catch (error) { return; }
  const seen = JSON.stringify(notices);
  if (seen === shownNotices) return;  // unchanged: not announced again
  shownNotices = seen;
  box.querySelectorAll(".city-notice").forEach((node) => node.remove());
  notices.forEach((n) => {
    const item = el("div", undefined, `city-notice ${n.severity}`);
    item.setAttribute("role", n.severity === "emergency" ? "alert" : "status");
    item.append(el("p", n.text));
    if (n.link) {
      const link = el("a", t("more"));
      link.href = n.link;
      link.rel = "noopener noreferrer";
      item.append(link);
    }
    box.append(item);
  });
  box.hidden = notices.length === 0;
}

document.addEventListener("DOMContentLoaded", () => {
  setUpLanguage(TEXT, (navigator.language || "ja").startsWith("en") ? "en" : "ja", () => {
    showNotices();
    showStartingPoints();
  });
  showNotices();
  showStartingPoints();
  const handed = localStorage.getItem(HANDED);  // a conversation with staff, from before a reload or yesterday
  if (handed && !sessionStorage.getItem("madoguchi-conversation")) sessionStorage.setItem("madoguchi-conversation", handed);
  if (handed) {
    staff.restoring = true;
    $("starting").hidden = true;
    followStaff();
  }
  setInterval(showNotices, 60000);  // a notice published while the page is open appears within a minute
  $("ask-form").addEventListener("submit", ask);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) ask(event);  // Shift+Enter: new line
  });
  $("restart").addEventListener("click", () => {
    sessionStorage.removeItem("madoguchi-conversation");
    localStorage.removeItem(HANDED);
    stopFollowing();
    staff.after = 0;
    $("staff-typing").hidden = true;
    $("messages").replaceChildren();
    showStartingPoints();
    say(t("restarted"));
  });
});
