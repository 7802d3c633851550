/** Entry of the site's single script: each page names itself in `<body data-page>` and gets its controller. */
import { initHome } from "./pages/home";

const pages: Readonly<Record<string, () => void>> = { home: initHome };

const page = document.body.dataset.page ?? "";
pages[page]?.();
