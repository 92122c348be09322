// What the journeys wrote to the simulated site, per user: quiz attempts (one in progress per
// user and quiz at most, as Moodle keeps it), the journeys' forum with its discussions and posts,
// and assignment submissions (new, draft, submitted). Kept for the simulator's life, as a site's
// database is; the counters of what was created are the Counters' (reset with the other stats).

/** The test site's journey forum (docs/journey-pages.md): its discussions 49..53 start with posts 97..101. */
export const JOURNEY_FORUM = { cmid: 306, instance: 15 } as const;
const FIRST_DISCUSSION = 49;
const FIRST_POST = 97;
const CAPTURED_DISCUSSIONS = 5;

/** A quiz of 2 pages (0 and 1), as the captured one. */
export const QUIZ_PAGES = 2;

export interface QuizAttempt {
  readonly id: number;
  /** The question usage id: the `qU:` of the answer fields. */
  readonly usage: number;
  readonly user: number;
  readonly cmid: number;
  /** The page the student is on (where "Continue your attempt" goes back to). */
  page: number;
  finished: boolean;
}

export type SubmissionStatus = 'new' | 'draft' | 'submitted';

export class JourneyState {
  private readonly attempts = new Map<number, QuizAttempt>();
  /** Attempt in progress per `user:cmid`; and the quizzes a user finished an attempt of. */
  private readonly inProgress = new Map<string, number>();
  private readonly finishedQuiz = new Set<string>();
  private lastAttempt = 0;
  /** A usage id apart from the attempt id, as in Moodle (quiz_attempts.uniqueid). */
  private lastUsage = 1000;

  /** Post id -> its discussion; discussion id -> its first post. */
  private readonly posts = new Map<number, number>();
  private readonly discussions = new Map<number, number>();
  private lastPost = FIRST_POST + CAPTURED_DISCUSSIONS - 1;
  private lastDiscussion = FIRST_DISCUSSION + CAPTURED_DISCUSSIONS - 1;

  private readonly submissions = new Map<string, SubmissionStatus>();

  /** Forum posts still to answer with the form's validation error (a planted fault). */
  failPosts = 0;

  constructor() {
    for (let i = 0; i < CAPTURED_DISCUSSIONS; i++) {
      this.discussions.set(FIRST_DISCUSSION + i, FIRST_POST + i);
      this.posts.set(FIRST_POST + i, FIRST_DISCUSSION + i);
    }
  }

  attemptInProgress(user: number, cmid: number): QuizAttempt | undefined {
    const id = this.inProgress.get(`${user}:${cmid}`);
    return id === undefined ? undefined : this.attempts.get(id);
  }

  finishedAttemptOf(user: number, cmid: number): boolean {
    return this.finishedQuiz.has(`${user}:${cmid}`);
  }

  startAttempt(user: number, cmid: number): QuizAttempt {
    const a: QuizAttempt = { id: ++this.lastAttempt, usage: ++this.lastUsage, user, cmid, page: 0, finished: false };
    this.attempts.set(a.id, a);
    this.inProgress.set(`${user}:${cmid}`, a.id);
    return a;
  }

  /** The user's attempt with this id, or undefined (someone else's or none). */
  attemptOf(user: number, id: number): QuizAttempt | undefined {
    const a = this.attempts.get(id);
    return a?.user === user ? a : undefined;
  }

  finishAttempt(a: QuizAttempt): void {
    a.finished = true;
    this.inProgress.delete(`${a.user}:${a.cmid}`);
    this.finishedQuiz.add(`${a.user}:${a.cmid}`);
  }

  /** The discussion's first post, or undefined for an unknown discussion. */
  firstPostOf(discussion: number): number | undefined {
    return this.discussions.get(discussion);
  }

  /** The post's discussion, or undefined for an unknown post. */
  discussionOf(post: number): number | undefined {
    return this.posts.get(post);
  }

  /** A reply in the post's discussion: the new post's id. */
  addReply(discussion: number): number {
    const id = ++this.lastPost;
    this.posts.set(id, discussion);
    return id;
  }

  /** A new discussion with its first post: the discussion's id. */
  addDiscussion(): number {
    const d = ++this.lastDiscussion;
    const p = ++this.lastPost;
    this.discussions.set(d, p);
    this.posts.set(p, d);
    return d;
  }

  submissionOf(user: number, cmid: number): SubmissionStatus {
    return this.submissions.get(`${user}:${cmid}`) ?? 'new';
  }

  setSubmission(user: number, cmid: number, status: SubmissionStatus): void {
    this.submissions.set(`${user}:${cmid}`, status);
  }
}
