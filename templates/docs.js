// Starts Swagger UI on /docs with the service's own document. A file of its own, not an inline
// script: the page's Content-Security-Policy runs scripts from this origin only.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  supportedSubmitMethods: [],
});
