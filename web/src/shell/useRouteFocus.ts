/**
 * After each navigation, take keyboard and screen-reader users to the new content: focus
 * the page's main heading (the main region if none shows up soon) and announce its title.
 * On every page, `document.title` follows that heading (it may change as the page loads).
 */
import { type RefObject, useEffect, useRef, useState } from "react";
import { useLocation } from "react-router";

/** How long a lazily loaded page may take to show its heading before the main region gets focus. */
export const HEADING_WAIT_MS = 5000;

function headingOf(main: HTMLElement): HTMLElement | null {
  return main.querySelector("h1");
}

/** `document.title` for a page heading. */
export function pageTitle(heading: string, appName: string): string {
  return heading === "" ? appName : `${heading} – ${appName}`;
}

/** Returns the announcement of the page just opened (empty before the first navigation). */
export function useRouteFocus(main: RefObject<HTMLElement | null>, appName: string): string {
  const { pathname } = useLocation();
  const [announcement, setAnnouncement] = useState("");
  const firstPage = useRef(true);

  useEffect(() => {
    const root = main.current;
    if (root === null) return;
    const update = () => {
      document.title = pageTitle(headingOf(root)?.textContent?.trim() ?? "", appName);
    };
    update();
    const observer = new MutationObserver(update);
    observer.observe(root, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [main, appName]);

  useEffect(() => {
    const root = main.current;
    // the page the tab opened on keeps the browser's own focus (the start of the document)
    if (firstPage.current || root === null) {
      firstPage.current = false;
      return;
    }
    const land = (): boolean => {
      const heading = headingOf(root);
      if (heading === null) return false;
      if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
      heading.focus();
      setAnnouncement(heading.textContent?.trim() ?? "");
      return true;
    };
    if (land()) return;
    const observer = new MutationObserver(() => {
      if (land()) stop();
    });
    const timer = setTimeout(() => {
      stop();
      root.focus();
    }, HEADING_WAIT_MS);
    function stop() {
      observer.disconnect();
      clearTimeout(timer);
    }
    observer.observe(root, { subtree: true, childList: true });
    return stop;
  }, [pathname, main]);

  return announcement;
}
