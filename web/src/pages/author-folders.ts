/**
 * The author page's parts that use the author's own folders: where photos go (straight into the folder with the
 * identity pool's credentials, else the API's presigned POST), the list of the author's uploads with delete, and
 * the editor's draft autosave and restore. The AWS SDK code (../folders) is loaded only from here, lazily.
 */
import type { Session } from "../auth";
import type { FoldersConfig } from "../config";
import { byId, formatDate, h, say } from "../dom";
import type { AuthorFolders, Draft } from "../folders";
import { ACCEPTED_TYPES, requestUpload, UploadError, uploadToBucket } from "../upload";

/** How long after the last change the draft is saved (at most this often while typing). */
const AUTOSAVE_MS = 2000;

export interface DraftFields {
  readonly title: HTMLInputElement;
  readonly slug: HTMLInputElement;
  readonly body: HTMLTextAreaElement;
}

export interface FolderPanel {
  /** Uploads the photo; `onProgress` gets 0…1, or undefined while the progress is not known. Resolves with the key. */
  uploadPhoto(file: File, onProgress: (fraction: number | undefined) => void): Promise<string>;
  /** The post was saved: its drafts (`new` and the slug's) are no longer needed. */
  saved(slug: string): void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function startFolderPanel(
  folders: FoldersConfig | undefined,
  session: Session,
  fields: DraftFields,
  draftName: () => string,
  /** Settles when the editor holds the post being edited (at once for a new post): drafts are compared with it. */
  fieldsReady: Promise<void>,
): FolderPanel {
  const status = byId("folders-status");
  const connected: Promise<AuthorFolders | undefined> = folders
    ? import("../folders")
        .then(({ AuthorFolders }) => AuthorFolders.connect(folders, session.token, session.sub))
        .then(
          (own) => {
            say(status, "Photos go straight to your own folder in the photo storage.");
            showUploads(own);
            void fieldsReady.then(() => offerDraft(own, fields, draftName()));
            autosave(own, fields, draftName);
            return own;
          },
          (error: unknown) => {
            say(
              status,
              `Photos are uploaded through the API: your folder is not reachable (${errorText(error)}).`,
            );
            return undefined;
          },
        )
    : Promise.resolve(say(status, "Photos are uploaded through the API.")).then(() => undefined);

  return {
    async uploadPhoto(file, onProgress) {
      const own = await connected;
      if (!own) {
        const upload = await requestUpload(file, session.token);
        await uploadToBucket(upload, file, onProgress);
        return upload.key;
      }
      if (!ACCEPTED_TYPES.includes(file.type))
        throw new UploadError(`${file.name}: only JPEG and PNG photos can be uploaded.`);
      onProgress(undefined); // a PutObject reports no progress
      const key = await own.upload(file);
      onProgress(1);
      showUploads(own);
      return key;
    },
    saved(slug) {
      void connected.then((own) => {
        if (!own) return;
        cancelAutosave();
        for (const name of new Set(["new", slug])) own.deleteDraft(name).catch(() => undefined);
        byId("draft-offer").hidden = true;
      });
    },
  };
}

function showUploads(own: AuthorFolders): void {
  const section = byId("my-uploads");
  const list = byId<HTMLUListElement>("upload-list");
  const listStatus = byId("upload-list-status");
  section.hidden = false;
  own
    .list()
    .then((objects) => {
      say(listStatus, objects.length === 0 ? "No uploads yet." : "");
      list.replaceChildren(
        ...objects.map((object) => {
          const remove = h("button", { type: "button", class: "link" }, "Delete");
          remove.setAttribute("aria-label", `Delete ${object.name}`);
          const item = h(
            "li",
            { class: "upload-row", "data-key": object.key },
            h("span", { class: "photo-name" }, object.name),
            h(
              "span",
              { class: "meta" },
              `${Math.ceil(object.size / 1024)} KB`,
              " · ",
              formatDate(object.lastModified?.toISOString(), true),
            ),
            remove,
          );
          if (/\.(jpe?g|png)$/.test(object.key)) {
            own
              .objectUrl(object.key)
              .then((src) => item.prepend(h("img", { src, alt: "", width: 64, class: "upload-thumb" })))
              .catch(() => undefined);
          }
          remove.addEventListener("click", () => {
            remove.disabled = true;
            own
              .remove(object.key)
              .then(() => showUploads(own))
              .catch((error: unknown) => {
                remove.disabled = false;
                say(listStatus, `${object.name} was not deleted: ${errorText(error)}`, true);
              });
          });
          return item;
        }),
      );
    })
    .catch((error: unknown) => say(listStatus, `Your uploads cannot be listed: ${errorText(error)}`, true));
}

function currentDraft(fields: DraftFields): Draft {
  return {
    title: fields.title.value,
    slug: fields.slug.value,
    body: fields.body.value,
    savedAt: new Date().toISOString(),
  };
}

function offerDraft(own: AuthorFolders, fields: DraftFields, name: string): void {
  own
    .loadDraft(name)
    .then((draft) => {
      const now = currentDraft(fields);
      if (!draft || (draft.title === now.title && draft.body === now.body)) return;
      const offer = byId("draft-offer");
      byId("draft-saved-at").textContent = formatDate(draft.savedAt, true);
      offer.hidden = false;
      byId("restore-draft").onclick = () => {
        fields.title.value = draft.title;
        fields.body.value = draft.body;
        if (!fields.slug.readOnly) fields.slug.value = draft.slug;
        offer.hidden = true;
      };
      byId("discard-draft").onclick = () => {
        offer.hidden = true;
        own.deleteDraft(name).catch(() => undefined);
      };
    })
    .catch(() => undefined);
}

let autosaveTimer: number | undefined;

function cancelAutosave(): void {
  window.clearTimeout(autosaveTimer);
  autosaveTimer = undefined;
}

function autosave(own: AuthorFolders, fields: DraftFields, draftName: () => string): void {
  const draftStatus = byId("draft-status");
  const save = () => {
    autosaveTimer = undefined;
    const draft = currentDraft(fields);
    own
      .saveDraft(draftName(), draft)
      .then(() => say(draftStatus, `Draft saved ${formatDate(draft.savedAt, true)}.`))
      .catch((error: unknown) => say(draftStatus, `The draft was not saved: ${errorText(error)}`, true));
  };
  for (const field of [fields.title, fields.slug, fields.body]) {
    field.addEventListener("input", () => {
      autosaveTimer ??= window.setTimeout(save, AUTOSAVE_MS);
    });
  }
}
