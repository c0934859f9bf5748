/* Parterre booking widget: draws an iframe listing a show's performances. Paste
   <script src="{{ origin }}/widget.js" data-show="SHOW-SLUG" async></script> where it should appear. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = "{{ origin|escapejs }}";
  var show = script.getAttribute("data-show") || new URL(script.src).searchParams.get("show");
  if (!show) return;
  var frame = document.createElement("iframe");
  frame.src = origin + "/widget/shows/" + encodeURIComponent(show) + "/";
  frame.title = script.getAttribute("data-title") || "Billetterie";
  frame.setAttribute("loading", "lazy");
  frame.style.cssText = "display:block;width:100%;max-width:40rem;border:0;min-height:16rem;";
  frame.className = "parterre-widget";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var height = event.data && event.data.parterreHeight;
    if (typeof height === "number" && height > 0 && height < 10000) frame.style.height = height + "px";
  });
})();
