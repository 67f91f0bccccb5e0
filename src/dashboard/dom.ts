// Tiny DOM helpers: build elements declaratively and update keyed lists in place.

type Attributes = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) element.removeAttribute(name);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function appendChildren(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
}

/** Creates an HTML element with attributes and children. */
export function createElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** Creates an SVG element with attributes and children. */
export function createSvgElement(
  tag: string,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** Sets attributes on an existing element (null, undefined or false removes one). */
export function updateAttributes(element: Element, attributes: Attributes): void {
  setAttributes(element, attributes);
}

/** Sets an element's text only when it changed, so a screen reader does not hear it again. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Makes `container`'s children the elements of `items`, in order, reusing the element of each key
 * (so focus and scroll survive an update): `create` builds a new one, `update` refreshes any.
 */
export function reconcileChildren<T>(
  container: Element,
  items: readonly T[],
  getKey: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (element: HTMLElement, item: T) => void,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(container.children)) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) {
      existing.set(child.dataset.key, child);
    } else {
      child.remove();
    }
  }
  let cursor: Element | null = container.firstElementChild;
  for (const item of items) {
    const key = getKey(item);
    let element = existing.get(key);
    if (element) existing.delete(key);
    else {
      element = create(item);
      element.dataset.key = key;
    }
    update(element, item);
    if (element !== cursor) container.insertBefore(element, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const stale of existing.values()) stale.remove();
}
