import { describe, expect, it } from 'vitest';
import { FILE_LIST_LIMIT, fileListTooLarge } from './filesSource';

describe('fileListTooLarge', () => {
  it('takes a list up to the limit and refuses one file more, pointing to Open folder', () => {
    expect(fileListTooLarge(FILE_LIST_LIMIT)).toBeNull();
    const msg = fileListTooLarge(FILE_LIST_LIMIT + 1);
    expect(msg).toContain((FILE_LIST_LIMIT + 1).toLocaleString());
    expect(msg).toContain('Open folder');
  });

  it('leaves ImageNet val (50,000 files) to the fallback, not ImageNet train', () => {
    expect(fileListTooLarge(50_000)).toBeNull();
    expect(fileListTooLarge(1_281_167)).not.toBeNull();
  });
});
