import { useCallback, useRef, useState } from 'react';

/**
 * Whether an element is on screen, for live views that redraw several times a second. In the Pipeline
 * view at 1280×720, three of the four batch tiles and all seven charts sit below the fold, yet each
 * new sample laid them out and painted them (about 300 layout objects a tile): work the page does
 * under full load, for nothing anyone sees. A live element off screen keeps what it last drew and
 * catches up with the latest data when it scrolls back in.
 *
 * One IntersectionObserver serves every element of the page. The margin starts the catch-up a little
 * before an element comes into view, so scrolling does not show it stale.
 */
const MARGIN = '200px 0px';

const listeners = new Map<Element, (on: boolean) => void>();
let observer: IntersectionObserver | null = null;

function shared(): IntersectionObserver | null {
  if (typeof IntersectionObserver === 'undefined') return null;
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) listeners.get(e.target)?.(e.isIntersecting);
    },
    { rootMargin: MARGIN },
  );
  return observer;
}

/**
 * A callback ref and whether its element is on screen (true until the observer first says otherwise,
 * and always where there is no IntersectionObserver).
 */
export function useOnScreen<T extends Element>(): [(el: T | null) => void, boolean] {
  const [onScreen, setOnScreen] = useState(true);
  const current = useRef<T | null>(null);
  const ref = useCallback((el: T | null) => {
    const io = shared();
    if (current.current) {
      io?.unobserve(current.current);
      listeners.delete(current.current);
    }
    current.current = el;
    if (el && io) {
      listeners.set(el, setOnScreen);
      io.observe(el);
    }
  }, []);
  return [ref, onScreen];
}
