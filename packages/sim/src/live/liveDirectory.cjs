'use strict';
/* global __dirname, exports -- plain Node CommonJS */
// The folder the live fleet's modules are in, in the ES module build, the CommonJS build and
// the TypeScript sources alike (this file is CommonJS in all three, copied as is into each
// build by scripts/build-package.mjs), without `import.meta` (which a CommonJS build cannot
// have). Types: liveDirectory.d.cts.
exports.liveDirectory = __dirname;
