// Jest globalTeardown: removes the run's synthesis cache (see jest-synth-cache.js).
module.exports = require("./jest-synth-cache").teardown;
