"""Writes to training delivery, one module per noun:

- `plans`: class plans (开班计划, §4.3.d) and their sessions: create, add a session, file,
  approve, reject, close;
- `enrolment`: enrolment and withdrawal, attendance;
- `results`: assessments and certificates (§3.3.a);
- `work`: 以工代训 employment and monthly on-the-job training (§3.3.g);
- `_shared`: the refusal type and the checks, clock and row locks the modules share.

Each write is one transaction with one audit record; every check runs before the first write, so a
refusal leaves nothing behind.

`actor=None` is the platform itself (device feeds, imports, the demo loader); approving or
rejecting a class plan always needs a person. `now` is the clock (default: the real one); tests
and back-dated demo data pass it. Row locks are taken in one order: person, then class plan, then
enrolment.
"""
