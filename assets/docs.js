// docs.js - starts Swagger UI on weir's own OpenAPI document.
// A file, not an inline script, so the page's Content-Security-Policy can forbid inline code.
"use strict";

window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // The default would send the spec to an outside validator service.
  validatorUrl: null,
  displayRequestDuration: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  // Tokens typed into "Authorize" stay in this tab only.
  persistAuthorization: false,
});
