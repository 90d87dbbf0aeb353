// The JavaScript half of provider_loader.py: a Node preload (NODE_OPTIONS="--require <this file>",
// set by provider_loader.install()) so that the jsii kernel loads the prebuilt cdktf providers'
// JavaScript lazily too. Each provider's lib/index.js requires every submodule eagerly, one line
// per submodule:
//     exports.s3Bucket = require("./s3-bucket");
// Each such line becomes a getter that requires the submodule on first access (same line, so line
// numbers do not move). A file with any other require() is loaded unchanged, and nothing changes
// on a Node without module.registerHooks or when INFRA_EAGER_PROVIDERS=1.
"use strict";

const { registerHooks } = require("node:module");

const PROVIDER_INDEX = /\/@cdktf\/provider-(?:aws|helm|kubernetes)\/(?:.+\/)?lib\/index\.js$/;
const EAGER_EXPORT = /^exports\.(\w+) = require\("(\.\/[\w-]+)"\);$/gm;

/** `source` with every eager submodule export made lazy, or unchanged if it has another shape. */
function lazyExports(source) {
  const requireCalls = source.split("require(").length - 1;
  let rewritten = 0;
  const lazy = source.replace(EAGER_EXPORT, (_line, name, path) => {
    rewritten += 1;
    return `Object.defineProperty(exports, "${name}", { enumerable: true, configurable: true, ` +
      `get: () => require("${path}") });`;
  });
  return rewritten > 0 && rewritten === requireCalls ? lazy : source;
}

if (typeof registerHooks === "function" && process.env.INFRA_EAGER_PROVIDERS !== "1") {
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (!PROVIDER_INDEX.test(url) || loaded.source == null) {
        return loaded;
      }
      return { ...loaded, source: lazyExports(String(loaded.source)) };
    },
  });
}
