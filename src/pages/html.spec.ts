import { safeUrl } from '../logging/logger';
import { contentSecurityPolicy, esc } from './html';
import { safeImageUrl } from './pages';

describe('worker page helpers', () => {
  it('esc escapes everything that could end text or an attribute', () => {
    expect(esc(`<script>"x" & 'y' \`z\`</script>`)).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#96;z&#96;&lt;/script&gt;');
    expect(esc(undefined)).toBe('');
    expect(esc(42)).toBe('42');
  });

  it('safeImageUrl keeps http(s) and same-server paths and refuses the rest', () => {
    expect(safeImageUrl('https://img.example.com/a.png', 't')).toBe('https://img.example.com/a.png');
    expect(safeImageUrl('http://localhost:3000/workspaces/demo/images/1.svg', 't')).toBe('http://localhost:3000/workspaces/demo/images/1.svg');
    expect(safeImageUrl('/workspaces/demo/images/1.svg', 't')).toBe('/workspaces/demo/images/1.svg');
    expect(safeImageUrl('/api/files/abc/x.png', 'ogs_1')).toBe('/api/files/abc/x.png?token=ogs_1');
    for (const bad of ['javascript:alert(1)', 'data:image/svg+xml,<svg/>', '//evil.example.com/x.png', 'www.images.com/image1.png', 42, undefined]) {
      expect(safeImageUrl(bad, 't')).toBeUndefined();
    }
  });

  it('the CSP allows no inline script or style, no framing, forms only to this server', () => {
    const csp = contentSecurityPolicy({ formAction: ['http://localhost:3000'], httpsImages: true });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("form-action 'self' http://localhost:3000");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe');
    expect(contentSecurityPolicy({ script: true })).toContain("script-src 'self'; connect-src 'self'");
  });

  it('logged URLs lose tokens, also URL-encoded inside submitTo', () => {
    const submitTo = 'http://localhost:3000/api/assignments/2/submit?token=ogs_secret-1';
    expect(safeUrl(`/workspaces/demo?workerId=1&assignmentId=2&submitTo=${encodeURIComponent(submitTo)}`)).not.toContain('ogs_secret');
    expect(safeUrl(`/workspaces/demo?submitTo=${encodeURIComponent(submitTo)}&workerId=1`)).toMatch(/%3D\[redacted\]&workerId=1$/);
    expect(safeUrl('/work/after-submit?assignmentId=1&token=ogs_secret')).toBe('/work/after-submit?assignmentId=1&token=[redacted]');
  });
});
