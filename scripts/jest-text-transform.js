// Lets tests import text files (SQL migrations, templates) the way esbuild's "text" loader bundles them.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)}; module.exports.default = module.exports;` };
  },
};
