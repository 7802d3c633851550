/** Entry of the site's single script: each page names itself in `<body data-page>` and gets its controller. */
import { initAuthor } from "./pages/author";
import { initHome } from "./pages/home";
import { initPost } from "./pages/post";

const pages: Readonly<Record<string, () => void>> = { home: initHome, post: initPost, author: initAuthor };

const page = document.body.dataset.page ?? "";
pages[page]?.();
