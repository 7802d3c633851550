/**
 * Thumbnail of a 12-megapixel JPEG (4000×3000, made here), three ways, side by side in one run:
 *
 *   handler  the thumbnail core (`processUpload`): S3 read from s3rver, header check, decode, resize to 1200 and
 *            400 px, orientation, encode, publish thumbnails + stripped original to s3rver, status in dynalite
 *   jimp     jimp's own bare decode + resize + encode of the same file (`Jimp.fromBuffer`, `clone().resize()`,
 *            `getBuffer()` per width), the baseline the handler must stay within 1.5× of
 *   sharp    the same work with sharp (libvips), the reference a user would compare with
 *
 * Each runs in its own child process (so its peak RSS is its own: `process.resourceUsage().maxRSS`), ITERATIONS
 * times, and the median wall time is reported. Targets: handler ≤ 1.5× jimp, handler peak RSS ≤ 600 MB.
 *
 * Run alone: `npx tsx bench/thumbnail.bench.ts`.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWholeNumberVar } from "../shared/env-reader";

const WIDTHS = [400, 1200];
const ITERATIONS = readWholeNumberVar("thumbnail benchmark", "BENCH_ITERATIONS", 3, process.env);
const UPLOADS = "bench-uploads";
const MEDIA = "bench-media";
const PHOTOS = "bench-photos";

type Kind = "handler" | "jimp" | "sharp";

interface WorkerResult {
  readonly kind: Kind;
  readonly timesMs: number[];
  readonly maxRssMb: number;
  readonly error?: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A photo-like 12 MP image: smooth gradients plus noise, so the JPEG is as hard to decode as a camera's. */
async function makeTwelveMegapixelJpeg(): Promise<Buffer> {
  const { Jimp } = await import("jimp");
  const width = 4000;
  const height = 3000;
  const data = Buffer.alloc(width * height * 4);
  let seed = 42;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 32) - 16;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = Math.max(0, Math.min(255, (x * 255) / width + noise()));
      data[i + 1] = Math.max(0, Math.min(255, (y * 255) / height + noise()));
      data[i + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 200) + noise()));
      data[i + 3] = 255;
    }
  }
  return new Jimp({ data, width, height }).getBuffer("image/jpeg", { quality: 90 });
}

async function runWorker(kind: Kind, file: string): Promise<void> {
  const bytes = readFileSync(file);
  const timesMs: number[] = [];
  let run: () => Promise<void>;
  if (kind === "jimp") {
    const { Jimp } = await import("jimp");
    run = async () => {
      const image = await Jimp.fromBuffer(bytes);
      for (const width of WIDTHS)
        await image.clone().resize({ w: width }).getBuffer("image/jpeg", { quality: 82 });
    };
  } else if (kind === "sharp") {
    const sharp = (await import("sharp")).default;
    run = async () => {
      for (const width of WIDTHS) {
        await sharp(bytes)
          .rotate()
          .resize({ width, withoutEnlargement: true })
          .jpeg({ quality: 82 })
          .toBuffer();
      }
    };
  } else {
    const { Logger } = await import("@aws-lambda-powertools/logger");
    const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const { DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
    const { processUpload } = await import("../handlers/thumbnail/app");
    const { PhotoStatusStore } = await import("../handlers/thumbnail/photos");
    const s3 = new S3Client({ forcePathStyle: true });
    const deps = {
      s3,
      photos: new PhotoStatusStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), PHOTOS),
      logger: new Logger({ logLevel: "SILENT" }),
      settings: {
        uploadsBucket: UPLOADS,
        mediaBucket: MEDIA,
        maxUploadBytes: 30 * 1024 * 1024,
        maxMegapixels: 40,
        widths: WIDTHS,
      },
    };
    run = async () => {
      // The upload itself is the browser's work, not the handler's: done outside the timed section.
      const key = `uploads/bench-author/${randomUUID()}.jpg`;
      await s3.send(
        new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: bytes, ContentType: "image/jpeg" }),
      );
      const started = performance.now();
      const outcome = await processUpload(deps, { bucket: UPLOADS, key, eventName: "ObjectCreated:Post" });
      timesMs.push(performance.now() - started);
      if (outcome.status !== "ready")
        throw new Error(`handler did not finish the photo: ${JSON.stringify(outcome)}`);
    };
  }
  for (let i = 0; i < ITERATIONS; i++) {
    if (kind === "handler") {
      await run();
      continue;
    }
    const started = performance.now();
    await run();
    timesMs.push(performance.now() - started);
  }
  const result: WorkerResult = { kind, timesMs, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Asynchronous on purpose: the local S3 and DynamoDB the handler worker talks to run in this process. */
function spawnWorker(kind: Kind, file: string, env: Record<string, string>): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", __filename, "--worker", kind, file], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) {
        const reason = (stderr || stdout).trim().split("\n").slice(-3).join(" | ");
        resolve({ kind, timesMs: [], maxRssMb: 0, error: reason || `exit ${code}` });
        return;
      }
      resolve(JSON.parse(line.slice("RESULT ".length)) as WorkerResult);
    });
  });
}

async function main(): Promise<void> {
  const { startAwsLocal } = await import("../local/aws-local");
  const dir = mkdtempSync(join(tmpdir(), "thumbnail-bench-"));
  const aws = await startAwsLocal();
  try {
    await aws.createBuckets(UPLOADS, MEDIA);
    await aws.createTables({ photos: PHOTOS });
    const file = join(dir, "12mp.jpg");
    const jpeg = await makeTwelveMegapixelJpeg();
    writeFileSync(file, jpeg);
    console.log(
      `input: 4000×3000 JPEG, ${(jpeg.length / 1024 / 1024).toFixed(1)} MB; widths ${WIDTHS.join(", ")}; ${ITERATIONS} iterations each`,
    );

    const results: WorkerResult[] = [];
    // One after the other: side by side in the same run, never competing for the two cores.
    for (const kind of ["jimp", "handler", "sharp"] as const) {
      const started = Date.now();
      results.push(await spawnWorker(kind, file, aws.env));
      console.log(`  ${kind}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const byKind = Object.fromEntries(results.map((r) => [r.kind, r])) as Record<Kind, WorkerResult>;
    console.log("| run | median ms | all runs ms | peak RSS MB |");
    console.log("|---|---:|---|---:|");
    for (const r of results) {
      if (r.error) {
        console.log(`| ${r.kind} | — | failed: ${r.error} | — |`);
        continue;
      }
      console.log(
        `| ${r.kind} | ${median(r.timesMs).toFixed(0)} | ${r.timesMs.map((t) => t.toFixed(0)).join(", ")} | ${r.maxRssMb.toFixed(0)} |`,
      );
    }
    if (byKind.handler.error || byKind.jimp.error) throw new Error("the handler or jimp run failed");
    const ratio = median(byKind.handler.timesMs) / median(byKind.jimp.timesMs);
    const sharpRatio = byKind.sharp.error
      ? undefined
      : median(byKind.jimp.timesMs) / median(byKind.sharp.timesMs);
    console.log(
      `handler / jimp = ${ratio.toFixed(2)}× (target ≤ 1.5×); handler peak RSS ${byKind.handler.maxRssMb.toFixed(0)} MB (target ≤ 600 MB)`,
    );
    if (sharpRatio) console.log(`sharp is ${sharpRatio.toFixed(1)}× faster than bare jimp`);
    if (ratio > 1.5 || byKind.handler.maxRssMb > 600) {
      console.error("thumbnail benchmark: target missed");
      process.exitCode = 1;
    }
  } finally {
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const workerFlag = process.argv.indexOf("--worker");
if (workerFlag >= 0) {
  void runWorker(process.argv[workerFlag + 1] as Kind, process.argv[workerFlag + 2]).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
