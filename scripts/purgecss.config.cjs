// PurgeCSS (run by scripts/build_assets.py): keep only the Tabler CSS rules whose classes, ids, tags or
// attributes appear in the product's templates, scripts and Python code (forms and views set classes too).
// Paths are relative to the repository root, where the build runs.
module.exports = {
  content: [
    "templates/**/*.html",
    "fieldloop/*/templates/**/*.html",
    "static/js/**/*.js",
    "fieldloop/**/*.py",
  ],
  skippedContentGlobs: ["fieldloop/**/tests/**", "fieldloop/**/migrations/**"],
  // Classes no source file spells out whole: added by a script at run time (Bootstrap's collapse and tabs,
  // htmx's swap classes), or built from a value (`alert-{{ message.tags }}`, outbox.js's `alert-${level}`).
  safelist: {
    standard: [
      "show", "showing", "hiding", "fade", "collapse", "collapsing", "active", "disabled",
      "modal-open", "modal-backdrop", "was-validated", "is-invalid", "is-valid",
      /^htmx-/, /^alert-(success|info|warning|danger|dismissible)$/,
    ],
  },
  fontFace: false, // Tabler CSS declares no fonts of its own; the icon font is built separately
  keyframes: true,
  variables: false, // Tabler's components read many of its custom properties indirectly: keep them all
};
