/**
 * Small sample images served by the server itself (GET /workspaces/demo/images/:n.svg), so the
 * demo and the browser tests need no network. Each is a shape to label.
 */
const frame = (title: string, shape: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240" role="img" aria-label="${title}">` +
  `<title>${title}</title><rect width="320" height="240" fill="#f4f1ea"/>${shape}</svg>\n`;

export const SAMPLE_IMAGES: ReadonlyArray<{ name: string; answer: string; svg: string }> = [
  { name: '1.svg', answer: 'circle', svg: frame('A red circle', '<circle cx="160" cy="120" r="80" fill="#c0392b"/>') },
  { name: '2.svg', answer: 'square', svg: frame('A blue square', '<rect x="85" y="45" width="150" height="150" fill="#2462a6"/>') },
  { name: '3.svg', answer: 'triangle', svg: frame('A green triangle', '<polygon points="160,35 255,205 65,205" fill="#1e7d45"/>') },
  {
    name: '4.svg',
    answer: 'star',
    svg: frame('An orange star', '<polygon points="160,30 183,95 252,95 196,135 217,202 160,162 103,202 124,135 68,95 137,95" fill="#c46200"/>'),
  },
];

export function sampleImage(name: string): string | undefined {
  return SAMPLE_IMAGES.find((i) => i.name === name)?.svg;
}

/** The datum parameters of a demo batch: one image_url per sample image. */
export function sampleData(publicUrl: string): Array<{ image_url: string }> {
  return SAMPLE_IMAGES.map((i) => ({ image_url: `${publicUrl}/workspaces/demo/images/${i.name}` }));
}
