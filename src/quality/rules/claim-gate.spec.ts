import { claimGate, MemberAtTask } from './claim-gate';

const q = { gold_rate: 0.1, qualification: { gold: 5, min_accuracy: 0.8 }, min_quality: 0.7 };
const fresh: MemberAtTask = { goldAnswers: 0, goldRight: 0, qualAnswers: 0, qualRight: 0, qualified: null, modelSkill: null, modelAnswers: 0, unseenGold: 10 };

describe('claimGate (API.md §11.3, §11.6)', () => {
  it('a new member is qualifying: every claim is gold, whatever the draw', () => {
    expect(claimGate(q, fresh, 0.99)).toEqual({ refuse: null, gold: true, testing: true });
  });

  it('a stored failure refuses with its own figure, even after the settings changed', () => {
    const failed = { ...fresh, qualAnswers: 5, qualRight: 3, qualified: false };
    expect(claimGate(q, failed, 0)).toEqual({ refuse: 'not qualified for this task: 3 of 5 control answers right (60%), 80% needed', final: false });
    expect(claimGate({ ...q, qualification: { gold: 0, min_accuracy: 0 } }, failed, 0)).toMatchObject({ final: false });
  });

  it('a failure found at claim time (gold deleted) is refused and marked final', () => {
    // 2 answered, 1 right, no gold left: required = min(5, 2 + 0) = 2, 50 % < 80 %
    const m = { ...fresh, qualAnswers: 2, qualRight: 1, goldAnswers: 2, goldRight: 1, unseenGold: 0 };
    expect(claimGate(q, m, 0)).toEqual({ refuse: 'not qualified for this task: 1 of 2 control answers right (50%), 80% needed', final: true });
  });

  it('after qualifying: gold at about gold_rate (the draw decides), never without unseen gold', () => {
    const m = { ...fresh, qualAnswers: 5, qualRight: 5, goldAnswers: 5, goldRight: 5, qualified: true };
    expect(claimGate(q, m, 0.05)).toEqual({ refuse: null, gold: true, testing: false });
    expect(claimGate(q, m, 0.1)).toEqual({ refuse: null, gold: false, testing: false });
    expect(claimGate(q, { ...m, unseenGold: 0 }, 0)).toEqual({ refuse: null, gold: false, testing: false });
  });

  it('min_quality from 5 scored answers: gold accuracy, or the model once it fitted the member', () => {
    const m = { ...fresh, qualAnswers: 5, qualRight: 4, goldAnswers: 6, goldRight: 4, qualified: true };
    expect(claimGate(q, m, 0.5)).toEqual({ refuse: 'not qualified for this task: skill 66.6% over 6 scored answers, 70% needed', final: false });
    expect(claimGate(q, { ...m, modelSkill: 0.9, modelAnswers: 40 }, 0.5)).toMatchObject({ refuse: null });
    expect(claimGate({ ...q, qualification: { gold: 0, min_accuracy: 0.8 } }, { ...fresh, goldAnswers: 4, goldRight: 0 }, 0.5)).toMatchObject({ refuse: null });
  });
});
