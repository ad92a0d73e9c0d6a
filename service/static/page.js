// What the chat and the console share: the page's language and its translated labels, and building
// elements from text only (nothing from the corpus or a resident is ever parsed as HTML).
"use strict";

const page = { lang: "ja", text: {} };
const $ = (id) => document.getElementById(id);
const t = (key, values = {}) => page.text[page.lang][key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(message) { $("status").textContent = message; }

function applyLanguage() {
  document.documentElement.lang = page.lang;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("button.lang").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === page.lang)));
  document.title = t("title");
}

// The first of the browser's languages (what it sends as Accept-Language) that the page speaks, else Japanese.
function preferredLanguage(spoken) {
  const aliases = { "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans": "zh-Hans", "zh": "zh-Hans", "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant": "zh-Hant", "fil": "tl" };
  for (const wanted of navigator.languages || [navigator.language || "ja"]) {
    const tag = wanted.toLowerCase();
    const found = aliases[tag] || aliases[tag.split("-").slice(0, 2).join("-")] || aliases[tag.split("-")[0]]
      || spoken.find((lang) => lang.toLowerCase() === tag.split("-")[0]);
    if (found && spoken.includes(found)) return found;
  }
  return "ja";
}

// The language chosen earlier in this tab, else `fallback`; the language buttons switch it.
function setUpLanguage(text, fallback, onChange) {
  page.text = text;
  page.lang = sessionStorage.getItem("madoguchi-lang") || fallback;
  applyLanguage();
  document.querySelectorAll("button.lang").forEach((b) => b.addEventListener("click", () => {
    page.lang = b.dataset.lang;
    sessionStorage.setItem("madoguchi-lang", page.lang);
    applyLanguage();
    if (onChange) onChange();
  }));
}
