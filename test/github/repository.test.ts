import { describe, expect, it } from 'vitest';
import { MiaError } from '../../src/errors.js';
import { openGit } from '../../src/github/git.js';
import {
  parseRemoteUrl,
  parseRepositorySlug,
  redactRemoteUrl,
  resolveRepository,
} from '../../src/github/repository.js';
import { createEnvWithoutGitHub } from '../helpers/fake-github.js';
import { git, initRepository } from '../helpers/temp-git-repo.js';

const octoApp = { owner: 'octo-org', name: 'app' };

describe('parseRepositorySlug', () => {
  it.each([
    ['octo-org/app', octoApp],
    ['octo-org/app.git', octoApp],
    ['a/b.c_d-e', { owner: 'a', name: 'b.c_d-e' }],
    ['octo-org', undefined],
    ['octo-org/app/extra', undefined],
    ['-octo/app', undefined],
    ['octo/..', undefined],
    ['octo/a b', undefined],
    ['', undefined],
  ])('reads %j as %j', (value, expected) => {
    expect(parseRepositorySlug(value)).toEqual(expected);
  });
});

describe('parseRemoteUrl', () => {
  it.each([
    ['https://github.com/octo-org/app', octoApp],
    ['https://github.com/octo-org/app.git', octoApp],
    ['https://github.com/octo-org/app/', octoApp],
    ['https://x-access-token:ghs_secret@github.com/octo-org/app.git', octoApp],
    ['git@github.com:octo-org/app.git', octoApp],
    ['git@github.com:octo-org/app', octoApp],
    ['ssh://git@github.com/octo-org/app.git', octoApp],
    ['ssh://git@ghe.example.com:2222/octo-org/app.git', octoApp],
    ['https://ghe.example.com/octo-org/app.git', octoApp],
    ['https://gitlab.com/group/sub/app.git', undefined],
    ['/srv/git/app.git', undefined],
    ['not a url', undefined],
  ])('reads %s', (url, expected) => {
    expect(parseRemoteUrl(url)).toEqual(expected);
  });
});

describe('redactRemoteUrl', () => {
  it('hides the credentials of an https remote', () => {
    expect(redactRemoteUrl('https://x-access-token:ghs_secret@github.com/o/r.git')).toBe(
      'https://***@github.com/o/r.git',
    );
  });

  it('leaves a remote without credentials alone', () => {
    expect(redactRemoteUrl('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
  });
});

describe('resolveRepository', () => {
  const env = createEnvWithoutGitHub();

  async function repositoryWithOrigin(url: string) {
    const dir = await initRepository();
    await git(dir, 'remote', 'add', 'origin', url);
    return () => openGit(dir, env);
  }

  it('prefers with.repo over the origin remote', async () => {
    const opened = await repositoryWithOrigin('https://github.com/other/thing.git');
    await expect(resolveRepository('octo-org/app', opened)).resolves.toEqual(octoApp);
  });

  it('reads an https origin remote of a real repository', async () => {
    const opened = await repositoryWithOrigin('https://github.com/octo-org/app.git');
    await expect(resolveRepository(undefined, opened)).resolves.toEqual(octoApp);
  });

  it('reads an ssh origin remote of a real repository', async () => {
    const opened = await repositoryWithOrigin('git@github.com:octo-org/app.git');
    await expect(resolveRepository(undefined, opened)).resolves.toEqual(octoApp);
  });

  it('refuses a repo that is not owner/name and names it', async () => {
    const error = await resolveRepository('octo-org', () => openGit('.', env)).catch((e) => e);
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_BAD_REPO', isRetriable: false });
    expect(error.message).toContain('"octo-org"');
  });

  it('says what to set when there is no repo and no origin remote', async () => {
    const dir = await initRepository();
    const error = await resolveRepository(undefined, () => openGit(dir, env)).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NO_REPO' });
    expect(error.message).toContain('no `origin` remote');
    expect(error.hint).toContain('repo: owner/name');
  });

  it('names a non-GitHub origin remote without its credentials', async () => {
    const opened = await repositoryWithOrigin('https://user:hunter2@gitlab.com/a/b/c.git');
    const error = await resolveRepository(undefined, opened).catch((e) => e);
    expect(error).toMatchObject({ code: 'MIA_GITHUB_NO_REPO' });
    expect(error.message).toContain('https://***@gitlab.com/a/b/c.git');
    expect(error.message).not.toContain('hunter2');
  });
});
