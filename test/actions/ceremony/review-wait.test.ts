import { describe, expect, it } from 'vitest';
import { judgeReviews, type ReviewLike } from '../../../src/actions/ceremony/review-wait.js';

const r = (login: string, state: string, body = ''): ReviewLike => ({
  user: { login },
  state,
  body,
});
const askAlice = { users: ['alice'], acceptAnyone: false };

describe('judgeReviews', () => {
  it.each<[string, ReviewLike[], ReturnType<typeof judgeReviews>]>([
    ['no reviews is pending', [], { state: 'pending' }],
    ['a comment changes nothing', [r('alice', 'COMMENTED')], { state: 'pending' }],
    ['an approval approves', [r('alice', 'APPROVED')], { state: 'approved', by: 'alice' }],
    [
      'a comment after an approval keeps it',
      [r('alice', 'APPROVED'), r('alice', 'COMMENTED')],
      { state: 'approved', by: 'alice' },
    ],
    [
      'an approval after a change request counts',
      [r('alice', 'CHANGES_REQUESTED', 'fix'), r('alice', 'APPROVED')],
      { state: 'approved', by: 'alice' },
    ],
    [
      'a change request after an approval counts',
      [r('alice', 'APPROVED'), r('alice', 'CHANGES_REQUESTED', 'wait')],
      { state: 'changes-requested', by: 'alice', comment: 'wait' },
    ],
    [
      'a dismissed approval no longer counts',
      [r('alice', 'APPROVED'), r('alice', 'DISMISSED')],
      { state: 'pending' },
    ],
    ['someone not asked does not count', [r('mallory', 'APPROVED')], { state: 'pending' }],
    ['logins compare without case', [r('ALICE', 'APPROVED')], { state: 'approved', by: 'ALICE' }],
    [
      'a review without a user is skipped',
      [{ user: null, state: 'APPROVED' }],
      { state: 'pending' },
    ],
  ])('%s', (_title, reviews, expected) => {
    expect(judgeReviews(reviews, askAlice)).toEqual(expected);
  });

  it('lets a change request win over another reviewer’s approval', () => {
    const reviews = [r('bob', 'APPROVED'), r('alice', 'CHANGES_REQUESTED', 'no')];
    expect(judgeReviews(reviews, { users: ['alice', 'bob'], acceptAnyone: false })).toEqual({
      state: 'changes-requested',
      by: 'alice',
      comment: 'no',
    });
  });

  it('counts anyone when a team was asked', () => {
    expect(judgeReviews([r('mallory', 'APPROVED')], { users: [], acceptAnyone: true })).toEqual({
      state: 'approved',
      by: 'mallory',
    });
  });
});
