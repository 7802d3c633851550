// actions/github-script, rehearsed: runs a step's `script:` as the action does (an async function of github,
// context, core, require …) with a stand-in GitHub client that answers list calls with nothing and prints every
// call it would make. Usage (inside a job's root): node github-script-harness.js <script file>; the `context`
// comes as JSON in REHEARSAL_GITHUB_CONTEXT.
const fs = require("fs");

const script = fs.readFileSync(process.argv[2], "utf8");
const context = JSON.parse(process.env.REHEARSAL_GITHUB_CONTEXT);
const calls = [];

const show = (value) => {
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;
};
const endpoint = (name) => {
  const call = async (params = {}) => {
    calls.push(name);
    console.log(`github-script would call ${name}(${show(params)})`);
    return { data: /\.list/.test(name) ? [] : {} };
  };
  call.endpointName = name;
  return call;
};
const namespace = (group) => new Proxy({}, { get: (_, method) => endpoint(`${group}.${String(method)}`) });
const github = {
  rest: new Proxy({}, { get: (_, group) => namespace(String(group)) }),
  paginate: async (fn, params = {}) => {
    calls.push(`paginate ${fn.endpointName}`);
    console.log(`github-script would page through ${fn.endpointName}(${show(params)}): none here`);
    return [];
  },
};
const core = {
  setFailed: (message) => {
    console.error(`::error::${message}`);
    process.exitCode = 1;
  },
  info: (message) => console.log(message),
  warning: (message) => console.log(`::warning::${message}`),
  setOutput: () => undefined,
};

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
new AsyncFunction("require", "github", "context", "core", "process", script)(
  require,
  github,
  context,
  core,
  process,
)
  .then(() => console.log(`github-script: the script ran to its end (${calls.length} API call(s) recorded)`))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
