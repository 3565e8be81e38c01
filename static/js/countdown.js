// Counts a server-rendered "m:ss" down once a second (the server's value stays the truth:
// the page is correct without this script, and the start button appears on reload).
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown-seconds]").forEach(function (element) {
    var left = parseInt(element.getAttribute("data-countdown-seconds"), 10);
    if (!(left > 0)) return;
    var timer = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(timer);
        window.location.reload();
        return;
      }
      var seconds = left % 60;
      element.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    }, 1000);
  });
})();
