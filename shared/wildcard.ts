/**
 * The wildcard patterns both `cdktf deploy`-style stack globs and IAM policies use: `*` matches any run of
 * characters, `?` exactly one, everything else is literal.
 */
export function wildcardRegExp(pattern: string, flags = ""): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, flags);
}
