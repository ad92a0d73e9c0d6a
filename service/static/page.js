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

// The language chosen earlier in this tab, else `fallback`; the 日本語 / English buttons switch it.
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
