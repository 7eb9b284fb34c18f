import { describe, expect, it } from 'vitest';
import { heldElsewhere, jobLockName, ownerText, resumeOffer, shownStatus } from './jobLocks';

describe('job status from locks', () => {
  it('shows a stored running job nobody holds as interrupted, once the locks are known', () => {
    expect(shownStatus('running', false, undefined, true)).toBe('interrupted');
    expect(shownStatus('running', false, undefined, false)).toBe('running');
    expect(shownStatus('running', true, undefined, true)).toBe('running');
    expect(shownStatus('paused', false, undefined, true)).toBe('paused');
    expect(shownStatus('running', false, { tab: 'tab 00ab' }, true)).toBe('elsewhere');
    expect(shownStatus('paused', false, {}, true)).toBe('elsewhere');
  });

  it('names the tab that holds a job lock, and none for a free one', () => {
    const held = { [jobLockName('generate', 's1')]: { tab: 'tab 00ab', since: 0 } };
    expect(heldElsewhere(held, 'generate', 's1')).toEqual({ tab: 'tab 00ab', since: 0 });
    expect(heldElsewhere(held, 'train', 's1')).toBeUndefined();
    expect(heldElsewhere(null, 'generate', 's1')).toBeUndefined();
    expect(ownerText({ tab: 'tab 00ab' })).toContain('running in another tab (tab 00ab');
    expect(ownerText({})).toContain('unknown tab');
  });

  it("offers Resume only when no other tab holds the job's lock and the locks are known", () => {
    const held = { [jobLockName('generate', 's1')]: { tab: 'tab 00ab', since: 0 } };
    expect(resumeOffer(held, 'generate', 's1', 'running')).toEqual({
      offer: 'elsewhere',
      owner: { tab: 'tab 00ab', since: 0 },
    });
    expect(resumeOffer(held, 'generate', 's1', 'paused').offer).toBe('elsewhere');
    expect(resumeOffer(null, 'generate', 's1', 'running')).toEqual({ offer: 'checking' });
    expect(resumeOffer(null, 'generate', 's1', 'paused')).toEqual({ offer: 'resume' });
    expect(resumeOffer({}, 'generate', 's1', 'running')).toEqual({ offer: 'resume' });
    expect(resumeOffer(held, 'generate', 's2', 'paused')).toEqual({ offer: 'resume' });
  });
});
