// Starts Swagger UI on /api/docs/. drf-spectacular renders this as an inline
// <script>, which the Content-Security-Policy blocks; here it is a static file
// and takes the view's values from data-* attributes on #swagger-ui.
// The schema is public (SERVE_PUBLIC), so drf-spectacular's "reload the
// schema with the user's credentials" plugin is not needed.
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  var data = root.dataset;
  var settings = data.settings ? JSON.parse(data.settings) : {};
  var oauth2Config = data.oauth2Config ? JSON.parse(data.oauth2Config) : null;

  // "Try it out" with the browser's session: Django wants the CSRF token on
  // every unsafe same-origin request.
  function requestInterceptor(request) {
    var method = (request.method || "GET").toUpperCase();
    if (method !== "GET" && request.credentials === "same-origin") {
      request.headers[data.csrfHeader] = data.csrfToken;
    }
    return request;
  }

  var options = {
    url: data.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: requestInterceptor,
  };
  Object.keys(settings).forEach(function (key) {
    options[key] = settings[key];
  });
  var ui = window.SwaggerUIBundle(options);
  if (oauth2Config) {
    ui.initOAuth(oauth2Config);
  }
  window.ui = ui;
})();
