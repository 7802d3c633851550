/**
 * Sample content for a first look (`npm run dev`; `DEV_SAMPLES=off` starts empty): a few posts, marked as samples,
 * with photos drawn at start and sent through the real flow: the API's presigned POST, the uploads bucket, the
 * S3 → SNS → thumbnail function, exactly as an author's upload goes.
 */
import { createHash, randomBytes } from "crypto";
import { Jimp } from "jimp";
import { errorMessage, type Log } from "./lifecycle";
import type { LocalIdentityProvider } from "./local-auth";

/** The sign-in form's default author: signing in with the defaults shows the samples in the author area. */
export const SAMPLE_AUTHOR = { email: "author@example.com", name: "Local Author" } as const;

/** Every sample post's title starts with this. */
export const SAMPLE_TITLE_PREFIX = "Sample:";

const SAMPLES = [
  { title: "Harbour at dawn", hue: 0 },
  { title: "Forest trail", hue: 1 },
  { title: "City lights", hue: 2 },
] as const;

/** A 1200×800 JPEG with gradients and texture (so that its thumbnails look like photos, not flat colour). */
export async function samplePhoto(seed: number): Promise<Buffer> {
  const image = new Jimp({ width: 1200, height: 800, color: 0x000000ff });
  const data = image.bitmap.data;
  image.scan(0, 0, image.bitmap.width, image.bitmap.height, (x, y, idx) => {
    const wave = Math.sin(x / 90 + seed) * 40 + Math.cos(y / 60 - seed) * 30;
    data[idx] = (seed === 0 ? 200 - y / 5 : seed === 1 ? 40 + wave : 30 + ((x * y) & 63)) & 255;
    data[idx + 1] = (seed === 1 ? 120 + y / 8 + wave : 60 + wave + x / 20) & 255;
    data[idx + 2] = (seed === 2 ? 90 + ((x ^ y) & 127) : 150 + y / 6 - wave) & 255;
  });
  return image.getBuffer("image/jpeg", { quality: 82 });
}

/** An ID token for `author`, through the local sign-in's own code + PKCE exchange. */
function signIn(identity: LocalIdentityProvider, origin: string): string {
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = `${origin}/author`;
  const request = identity.validateAuthorizeRequest(
    new URLSearchParams({
      response_type: "code",
      client_id: identity.clientId,
      redirect_uri: redirectUri,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      state: "samples",
    }),
  );
  const code = new URL(identity.authorize(request, SAMPLE_AUTHOR)).searchParams.get("code") ?? "";
  return identity.exchangeCode(
    new URLSearchParams({
      grant_type: "authorization_code",
      client_id: identity.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  ).id_token;
}

/**
 * Publishes the sample posts through the API (their photos then go through the thumbnail flow on their own).
 * Resolves with the slugs once the posts exist; the thumbnails follow within seconds.
 */
export async function publishSamples(options: {
  readonly origin: string;
  readonly identity: LocalIdentityProvider;
  readonly log: Log;
}): Promise<string[]> {
  const token = signIn(options.identity, options.origin);
  const api = async (route: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${options.origin}/api/${route}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`POST /api/${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  // Every photo first, then the posts one right after the other: the API caches its post list, so a reader
  // listing between two creations would see a partial list for a while.
  const photos: string[][] = [];
  for (const [i, sample] of SAMPLES.entries()) {
    const keys: string[] = [];
    for (const seed of [sample.hue, (sample.hue + 1) % 3]) {
      const jpeg = await samplePhoto(seed);
      const upload = (await api("uploads", { contentType: "image/jpeg", size: jpeg.length })) as {
        key: string;
        url: string;
        fields: Record<string, string>;
      };
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append("file", new Blob([new Uint8Array(jpeg)], { type: "image/jpeg" }), `sample-${i}.jpg`);
      const stored = await fetch(upload.url, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
      if (!stored.ok) throw new Error(`upload: ${stored.status} ${await stored.text()}`);
      keys.push(upload.key);
    }
    photos.push(keys);
  }
  const slugs: string[] = [];
  for (const [i, sample] of SAMPLES.entries()) {
    const keys = photos[i];
    const created = await api("posts", {
      title: `${SAMPLE_TITLE_PREFIX} ${sample.title}`,
      excerpt: "Sample content made by npm run dev (DEV_SAMPLES=off starts with an empty blog).",
      body:
        "This is a **sample post**, written when `npm run dev` started, so that the site is not empty on a first " +
        "run. Its photos were drawn at start and went through the real upload → thumbnail flow.\n\n" +
        `Sign in as ${SAMPLE_AUTHOR.email} (the sign-in form's default) to edit or delete it.`,
      coverKey: keys[0],
      photoKeys: keys,
    });
    slugs.push(String(created.slug));
  }
  return slugs;
}

/** Starts publishing the samples; a failure is logged (the environment keeps running, just without samples). */
export function startSamples(options: Parameters<typeof publishSamples>[0]): Promise<string[]> {
  return publishSamples(options).then(
    (slugs) => {
      options.log(
        `Sample content: ${slugs.length} posts by ${SAMPLE_AUTHOR.email} (thumbnails follow in seconds; DEV_SAMPLES=off starts empty).`,
      );
      return slugs;
    },
    (error: unknown) => {
      options.log(`Notice: the sample content could not be published: ${errorMessage(error)}`);
      return [];
    },
  );
}
