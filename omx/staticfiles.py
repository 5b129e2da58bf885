"""Static files storage for production: WhiteNoise's compressed manifest
storage, also rewriting the relative `import` statements between ES modules
(static/js/browser/) to the hashed names, so a page never pairs a new
main.js with an old copy of a module it imports."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareManifestStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
