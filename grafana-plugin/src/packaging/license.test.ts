import { readFileSync } from 'fs';
import path from 'path';
import packageJson from '../../package.json';

/** The plugin validator rejects a LICENSE that still holds its template's placeholders. */
describe('LICENSE', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', 'LICENSE'), 'utf8');

  it('is the Apache License 2.0 the package declares, with its copyright line filled in', () => {
    expect(packageJson.license).toBe('Apache-2.0');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toMatch(/^ {3}Copyright \d{4} \S.*$/m);
  });

  it('has no template placeholder left', () => {
    expect(text).not.toMatch(/Copyright \{yyyy\}|\{name of copyright owner\}/);
  });
});
