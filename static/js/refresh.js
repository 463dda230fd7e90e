// Reload the page while evaluation runs are pending; a file, since the site's CSP allows no inline scripts.
(function () {
  "use strict";
  const every = Number(document.currentScript.dataset.everyMs) || 3000;
  setTimeout(() => window.location.reload(), every);
})();
