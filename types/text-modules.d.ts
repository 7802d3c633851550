// Text files imported as strings: esbuild's "text" loader in bundles, scripts/jest-text-transform.js in tests.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.html" {
  const text: string;
  export default text;
}
declare module "*.txt" {
  const text: string;
  export default text;
}
