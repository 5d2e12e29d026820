'use strict';
/* global require, exports -- plain Node CommonJS */
// This package's own `require`, in both its ES module and CommonJS builds (this file is
// CommonJS in both, copied as is into each build by scripts/build-package.mjs): it loads an
// optional peer synchronously, resolved from where this package is installed, without
// `import.meta` (which a CommonJS build cannot have). Types: packageRequire.d.cts.
exports.packageRequire = require;
