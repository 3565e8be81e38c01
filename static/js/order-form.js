// Placing an order replaces the whole order panel. A live preview still on its way (or
// still waiting out its 300 ms typing delay) would then come from the detached old panel:
// its answer lands nowhere and its out-of-band chart swap finds no target
// (htmx:oobErrorNoTarget). So an order's request aborts the previews in flight, and a
// request from an element no longer on the page is not sent. Without this script
// nothing breaks: a late preview just shows nothing.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt) return;
    if (!elt.isConnected) {
      event.preventDefault();
      return;
    }
    if (elt.matches && elt.matches("form.order-form")) {
      elt.querySelectorAll(".order-fields, .preview-order").forEach(function (element) {
        window.htmx.trigger(element, "htmx:abort");
      });
    }
  });
})();
