// Embed the Madoguchi chat on a city web page with one tag:
//   <script src="https://madoguchi.example.jp/static/embed.js" data-height="640"></script>
// (or …/t/<tenant>/static/embed.js: the chat of that municipality)
// It inserts an iframe of the chat page where the tag stands. The page's origin must be listed in
// MADOGUCHI_ALLOWED_ORIGINS on the Madoguchi server.
(function () {
  "use strict";
  var script = document.currentScript;
  var frame = document.createElement("iframe");
  frame.src = new URL("../", script.src).href;
  frame.title = script.getAttribute("data-title") || "AI 案内窓口 / AI help desk";
  frame.style.width = "100%";
  frame.style.height = (script.getAttribute("data-height") || "640") + "px";
  frame.style.border = "0";
  script.parentNode.insertBefore(frame, script);
})();
