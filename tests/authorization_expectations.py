"""Who may reach what: the expected outcome of every URL × method × role.

tests/test_authorization_matrix.py walks the URLconf and requests every URL pattern declared
here once per role, in one shared world:

- the LEARNER is enrolled in the path (with a module, a plain lesson and a lesson with a quiz)
  in cohort A, trained by the TRAINER; cohort A has a session (yesterday) where the learner is
  marked present, an absence notice, a lesson completion, a validated competence, an issued
  certificate (in a batch of cohort A) and an in-app notification;
- the OTHER_LEARNER is enrolled in the same path in cohort B, trained by the OTHER_TRAINER
  (who therefore trains the same path, not the same learners);
- the learner is also a trainee of insertion programme P (staff: INSERTION_STAFF) with a
  contract, an objective and its milestone, an obstacle, an interview and a planned exit; the
  other learner is a trainee of programme Q (staff: OTHER_STAFF);
- the MANAGER manages everything.

Unless an entry says otherwise, a URL that names an object names the LEARNER's (their
enrolment, cohort A, session A, their certificate, their trainee record…): "object" semantics,
e.g. the learner's enrolment is allowed for the learner, their trainer and a manager, and
denied (404) to the other learner and to the other cohort's trainer.

"Allowed" means the request passed the permission gate: 2xx, a redirect that is neither to the
login page nor carrying an error message, or a 400 (writes are sent an empty or minimal body:
the form or serializer refusing it proves the gate let the caller through). "Denied" is 401,
403, 404, a redirect to the login page, or a redirect carrying an error message (a view that
refuses in-band, e.g. "Enrol in this path to record your progress.").

A write endpoint that validates its input *before* checking who calls (e.g. POST on most API
lists, where the objects the body names are scoped by validation) shows its gate as "signed
in": the object-level checks of the body are pinned by the app's own API tests.
"""

ANONYMOUS = "anonymous"
LEARNER = "learner"
OTHER_LEARNER = "other_learner"
TRAINER = "trainer"
OTHER_TRAINER = "other_trainer"
STAFF = "insertion_staff"
OTHER_STAFF = "other_insertion_staff"
MANAGER = "manager"

ROLES = (ANONYMOUS, LEARNER, OTHER_LEARNER, TRAINER, OTHER_TRAINER, STAFF, OTHER_STAFF, MANAGER)


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
NOBODY = frozenset()

# Shapes that recur.
ANY_TRAINER = only(TRAINER, OTHER_TRAINER, MANAGER)  # trainer pages without an object
COHORT_A = only(TRAINER, MANAGER)  # cohort A, its sessions and documents
LEARNER_RECORD = only(LEARNER, TRAINER, MANAGER)  # the learner's own record, seen by staff
ENROLLED = only(LEARNER, OTHER_LEARNER)  # learners of the path (both cohorts)
ANY_INSERTION = only(STAFF, OTHER_STAFF, MANAGER)  # insertion pages without an object
PROGRAMME_P = only(STAFF, MANAGER)  # the learner's trainee record in programme P
NOTES = only(STAFF)  # confidential interview notes: the programme's staff, not managers

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"

# URL name ("namespace:name", or the DRF router's "basename-action") → method → allowed roles.
EXPECTATIONS: dict[str, dict[str, frozenset[str]]] = {
    # Site and accounts -----------------------------------------------------------------------
    "healthz": {GET: EVERYONE},
    # Signed-in visitors are redirected home: not to the login page, so "allowed".
    "accounts:login": {GET: EVERYONE, POST: EVERYONE},
    "accounts:logout": {POST: EVERYONE},
    # Forgotten password: anyone may ask (rate-limited), the answer is the same for all.
    "accounts:password_reset": {GET: EVERYONE, POST: EVERYONE},
    "accounts:password_reset_done": {GET: EVERYONE},
    # The one-time link (the learner's, valid): whoever holds it; an invalid one says so (200).
    "accounts:password_reset_confirm": {GET: EVERYONE, POST: EVERYONE},
    "accounts:password_reset_complete": {GET: EVERYONE},
    # One's own password, once signed in.
    "accounts:password_change": {GET: SIGNED_IN, POST: SIGNED_IN},
    "accounts:password_change_done": {GET: SIGNED_IN},
    # Giving the learner a link to choose their password: staff who follow them (their
    # cohort's trainer, their programme's staff, a manager); not the learner themselves, not
    # another cohort's trainer or another programme's staff.
    "accounts:learner_access": {GET: only(TRAINER, STAFF, MANAGER),
                                POST: only(TRAINER, STAFF, MANAGER)},
    # Accounts and addresses locked out after failed logins: managers see and unlock them.
    "accounts:lockouts": {GET: only(MANAGER), POST: only(MANAGER)},

    # Learner's own pages (/suivi/) -----------------------------------------------------------
    # Everyone signed in has their own (possibly empty) "Mon parcours".
    "progress:dashboard": {GET: SIGNED_IN},
    # The path is open to self-enrolment: anyone signed in may enrol themselves.
    "progress:enroll": {POST: SIGNED_IN},
    # The plain lesson: only learners enrolled in its path record their progress.
    "progress:lesson-done": {POST: ENROLLED},
    # A quiz answered: anyone is scored; an enrolled learner's attempt is also recorded.
    "progress:quiz-submit": {GET: EVERYONE, POST: EVERYONE},
    # The learner's enrolment: self-positioning is the learner's alone.
    "progress:positioning": {GET: only(LEARNER), POST: only(LEARNER)},

    # CSV import of learners: any trainer or manager (the rows are checked per path) ----------
    "progress:import_upload": {GET: ANY_TRAINER, POST: ANY_TRAINER},
    "progress:import_preview": {GET: ANY_TRAINER},
    "progress:import_commit": {POST: ANY_TRAINER},
    "progress:import_done": {GET: ANY_TRAINER},
    "progress:import_template": {GET: ANY_TRAINER},

    # Trainer matrix and manager dashboard ----------------------------------------------------
    "progress:trainer_home": {GET: ANY_TRAINER},
    # Both trainers train the path (through their cohort); each sees only their learners.
    "progress:trainer_path": {GET: ANY_TRAINER, POST: ANY_TRAINER},
    "progress:trainer_cohort": {GET: COHORT_A, POST: COHORT_A},
    # Enrolling learners: in the path (each trainer into their own cohort), or in cohort A.
    "progress:trainer_path_enrol": {GET: ANY_TRAINER, POST: ANY_TRAINER},
    "progress:trainer_cohort_enrol": {GET: COHORT_A, POST: COHORT_A},
    # Placing learners of the path in cohort A (those in no group, or in another of one's own).
    "progress:trainer_cohort_place": {GET: COHORT_A, POST: COHORT_A},
    "progress:manager_dashboard": {GET: only(MANAGER)},
    "progress:manager_export_csv": {GET: only(MANAGER)},
    "progress:manager_export_xlsx": {GET: only(MANAGER)},

    # Attendance (/emargement/): roll call of session A ---------------------------------------
    "attendance:rollcall-sessions": {GET: ANY_TRAINER},
    "attendance:rollcall": {GET: COHORT_A, POST: COHORT_A},
    "attendance:rollcall-code": {GET: COHORT_A},
    # One line saved at each tap (JSON), and "All present": the roll call's writers.
    "attendance:rollcall-mark": {POST: COHORT_A},
    "attendance:rollcall-all-present": {POST: COHORT_A},
    "attendance:rollcall-sign": {GET: COHORT_A, POST: COHORT_A},
    "attendance:rollcall-sign-paper": {POST: COHORT_A},
    "attendance:rollcall-lock": {GET: COHORT_A, POST: COHORT_A},
    # Self check-in to session A: its learners only.
    "attendance:checkin": {GET: only(LEARNER), POST: only(LEARNER)},
    # Everyone signed in sees their own absences (none for staff) and may declare one.
    "attendance:my-absences": {GET: SIGNED_IN, POST: SIGNED_IN},
    # In-app notifications: one's own list and count; the learner's notification is theirs.
    "notifications:list": {GET: SIGNED_IN},
    "notifications:count": {GET: SIGNED_IN},
    "notifications:read-all": {POST: SIGNED_IN},
    "notifications:read": {POST: only(LEARNER)},
    # The learner's own notice, changed or withdrawn before its session starts.
    "attendance:absence-edit": {GET: only(LEARNER), POST: only(LEARNER)},
    "attendance:absence-withdraw": {POST: only(LEARNER)},
    "attendance:cohort_list": {GET: ANY_TRAINER},
    # Groups: any trainer opens the creation form (the paths offered are those they teach);
    # cohort A is changed and closed by its trainer and managers.
    "cohorts:create": {GET: ANY_TRAINER, POST: ANY_TRAINER},
    "cohorts:edit": {GET: COHORT_A, POST: COHORT_A},
    "cohorts:close": {GET: COHORT_A, POST: COHORT_A},
    "attendance:cohort_detail": {GET: COHORT_A},
    "attendance:cohort_export_xlsx": {GET: COHORT_A},
    "attendance:cohort_export_csv": {GET: COHORT_A},
    "attendance:cohort_sessions_recurring": {POST: COHORT_A},
    "attendance:cohort_session_cancel": {POST: COHORT_A},
    # Amending session A's locked sheet: managers only (an empty body: 400 for them).
    "attendance:cohort_session_amend": {POST: only(MANAGER)},
    # The audit trail of session A and of the learner in cohort A.
    "attendance:session_history": {GET: COHORT_A},
    "attendance:learner_history": {GET: COHORT_A},

    # Documents (/certificats/, /verify/) -----------------------------------------------------
    # The learner's certificate.
    "certificates:pdf": {GET: LEARNER_RECORD},
    "certificates:cohort": {GET: COHORT_A},
    # The staff's page of the learner's certificate (its versions): not the learner, who has
    # "Mon parcours"; a new version by the staff who may request it, revoking by a manager.
    "certificates:document": {GET: COHORT_A},
    "certificates:document-reissue": {POST: COHORT_A},
    "certificates:document-revoke": {POST: only(MANAGER)},
    "certificates:request": {POST: COHORT_A},
    "certificates:request-batch": {POST: COHORT_A},
    "certificates:batch": {GET: COHORT_A},
    "certificates:batch-status": {GET: COHORT_A},
    "certificates:batch-zip": {GET: COHORT_A},
    # Public verification, by code or by uploading the PDF.
    "certificates:verify-form": {GET: EVERYONE, POST: EVERYONE},
    "certificates:verify": {GET: EVERYONE},

    # API (/api/v1/) --------------------------------------------------------------------------
    "api-root": {GET: EVERYONE},
    "api-schema": {GET: EVERYONE},
    "api-docs": {GET: EVERYONE},
    # Username and password in the body: anyone may try (throttled).
    "api-token": {POST: EVERYONE},
    # The published catalogue and the competence referential are public and read-only.
    "path-list": {GET: EVERYONE},
    "path-detail": {GET: EVERYONE},
    "module-list": {GET: EVERYONE},
    "module-detail": {GET: EVERYONE},
    "lesson-list": {GET: EVERYONE},
    "lesson-detail": {GET: EVERYONE},
    "framework-list": {GET: EVERYONE},
    "framework-detail": {GET: EVERYONE},
    "competence-list": {GET: EVERYONE},
    "competence-detail": {GET: EVERYONE},
    # Progress: lists are scoped to the caller; creations validate the body first.
    "enrollment-list": {GET: SIGNED_IN, POST: SIGNED_IN},
    "enrollment-detail": {GET: LEARNER_RECORD, PATCH: LEARNER_RECORD},
    # Moving a learner to another cohort is the staff's: the learner sees the record (403).
    "enrollment-move": {POST: COHORT_A},
    "lesson-completion-list": {GET: SIGNED_IN, POST: SIGNED_IN},
    "lesson-completion-detail": {GET: LEARNER_RECORD, DELETE: LEARNER_RECORD},
    "competence-assessment-list": {GET: SIGNED_IN, POST: SIGNED_IN},
    "competence-assessment-detail": {GET: LEARNER_RECORD},
    "my-progress": {GET: SIGNED_IN},
    # Attendance: a learner sees their cohort and its sessions; trainers (of the path, checked
    # by the service) and managers create cohorts, cohort A's trainer changes and closes it.
    "cohort-list": {GET: SIGNED_IN, POST: ANY_TRAINER},
    "cohort-detail": {GET: LEARNER_RECORD, PUT: COHORT_A, PATCH: COHORT_A},
    "cohort-close": {POST: COHORT_A},
    "session-list": {GET: SIGNED_IN, POST: ANY_TRAINER},
    "session-recurring": {POST: ANY_TRAINER},
    "session-detail": {GET: LEARNER_RECORD},
    "session-cancel": {POST: COHORT_A},
    # Amending a session (a locked sheet's only way to change): managers.
    "session-amend": {POST: only(MANAGER)},
    # Sent a wrong code: the learner of the session gets a 400, anybody else is refused.
    "session-check-in": {POST: only(LEARNER)},
    "session-lock": {POST: COHORT_A},
    "session-roll-call": {POST: COHORT_A},
    "attendance-list": {GET: SIGNED_IN},
    "attendance-detail": {GET: LEARNER_RECORD},
    "absence-notice-list": {GET: SIGNED_IN, POST: SIGNED_IN},
    "absence-notice-detail": {GET: LEARNER_RECORD},
    # Documents: the learner's certificate.
    "document-list": {GET: SIGNED_IN, POST: SIGNED_IN},
    "document-detail": {GET: LEARNER_RECORD},
    "document-pdf": {GET: LEARNER_RECORD},
    # The learner sees their certificate but is refused (403) a new version or a revocation.
    "document-reissue": {POST: COHORT_A},
    "document-revoke": {POST: only(MANAGER)},

    # Insertion programmes and their staff: a manager creates and changes any; insertion staff
    # create programmes (the list shows theirs) and change those they staff (programme P).
    "insertion:programme_list": {GET: ANY_INSERTION},
    "insertion:programme_create": {GET: ANY_INSERTION, POST: ANY_INSERTION},
    "insertion:programme_edit": {GET: PROGRAMME_P, POST: PROGRAMME_P},
    # Insertion (/insertion/): staff follow their programme's trainees, managers all ----------
    "insertion:dashboard": {GET: ANY_INSERTION},
    "insertion:trainee_create": {GET: ANY_INSERTION, POST: ANY_INSERTION},
    # The learner's trainee record in programme P.
    "insertion:trainee_detail": {GET: PROGRAMME_P},
    "insertion:trainee_status": {POST: PROGRAMME_P},
    "insertion:trainee_contract_add": {POST: PROGRAMME_P},
    "insertion:trainee_objective_add": {POST: PROGRAMME_P},
    "insertion:trainee_objective_status": {POST: PROGRAMME_P},
    "insertion:trainee_milestone_add": {POST: PROGRAMME_P},
    "insertion:trainee_milestone_done": {POST: PROGRAMME_P},
    "insertion:trainee_obstacle_assess": {POST: PROGRAMME_P},
    # Interviews carry confidential notes: the programme's staff only, not even managers.
    "insertion:trainee_interview_record": {POST: NOTES},
    "insertion:trainee_exit_record": {POST: PROGRAMME_P},
    # Figures for funders: each sees the programmes they work in, a manager all.
    "insertion:figures": {GET: ANY_INSERTION},
    "insertion:figures-xlsx": {GET: ANY_INSERTION},
    "insertion:figures-csv": {GET: ANY_INSERTION},
    # API: lists are scoped (empty for others); writes check the role, then the body.
    "programme-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "programme-detail": {GET: PROGRAMME_P, PUT: PROGRAMME_P, PATCH: PROGRAMME_P},
    "trainee-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "trainee-detail": {GET: PROGRAMME_P, PATCH: PROGRAMME_P},
    "contract-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "contract-detail": {GET: PROGRAMME_P},
    "plan-objective-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "plan-objective-detail": {GET: PROGRAMME_P, PATCH: PROGRAMME_P},
    "milestone-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "milestone-detail": {GET: PROGRAMME_P},
    "milestone-done": {POST: PROGRAMME_P},
    "obstacle-assessment-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "obstacle-assessment-detail": {GET: PROGRAMME_P},
    # A manager reads an interview without its notes; only the staff's answer carries them.
    "interview-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "interview-detail": {GET: PROGRAMME_P},
    "exit-list": {GET: SIGNED_IN, POST: ANY_INSERTION},
    "exit-detail": {GET: PROGRAMME_P},

    # Quality (/qualite/): the register, funding and BPF figures are managers' only (404).
    "quality:complaints": {GET: only(MANAGER)},
    "quality:complaint_create": {GET: only(MANAGER), POST: only(MANAGER)},
    "quality:complaint_detail": {GET: only(MANAGER)},
    "quality:complaint_edit": {GET: only(MANAGER), POST: only(MANAGER)},
    "quality:complaints_export_csv": {GET: only(MANAGER)},
    "quality:complaints_export_xlsx": {GET: only(MANAGER)},
    "quality:improvements": {GET: only(MANAGER)},
    "quality:improvement_create": {GET: only(MANAGER), POST: only(MANAGER)},
    "quality:improvement_detail": {GET: only(MANAGER)},
    "quality:improvement_edit": {GET: only(MANAGER), POST: only(MANAGER)},
    "quality:improvements_export_csv": {GET: only(MANAGER)},
    "quality:improvements_export_xlsx": {GET: only(MANAGER)},
    "quality:funding": {GET: only(MANAGER)},
    "quality:funding_cohort": {GET: only(MANAGER)},
    "quality:funding_edit": {GET: only(MANAGER), POST: only(MANAGER)},
    "quality:bpf": {GET: only(MANAGER)},
    "quality:bpf_export_csv": {GET: only(MANAGER)},
    "quality:bpf_export_xlsx": {GET: only(MANAGER)},
    # Satisfaction surveys: results for managers; the answer page is open to whoever holds
    # the personal link (a valid one here; an empty answer is refused, 400). Link states
    # (invalid, expired, used) are pinned by tests/surveys.
    "surveys:list": {GET: only(MANAGER)},
    "surveys:results": {GET: only(MANAGER)},
    "surveys:export_csv": {GET: only(MANAGER)},
    "surveys:export_xlsx": {GET: only(MANAGER)},
    "surveys:invite": {GET: only(MANAGER), POST: only(MANAGER)},
    "surveys:handouts": {GET: only(MANAGER)},
    "surveys:answer": {GET: EVERYONE, POST: EVERYONE},
    "survey-result-list": {GET: only(MANAGER)},
    "survey-result-detail": {GET: only(MANAGER)},
    # API: managers only (403 to anyone else).
    "complaint-list": {GET: only(MANAGER), POST: only(MANAGER)},
    "complaint-detail": {GET: only(MANAGER), PUT: only(MANAGER), PATCH: only(MANAGER)},
    "improvement-list": {GET: only(MANAGER), POST: only(MANAGER)},
    "improvement-detail": {GET: only(MANAGER), PUT: only(MANAGER), PATCH: only(MANAGER)},
    "bpf-list": {GET: only(MANAGER)},

    # Audit packs (/qualite/dossiers-audit/, issue 16): personal data, managers only (404 to
    # anyone else, on the pages and the API alike).
    "auditpack:list": {GET: only(MANAGER), POST: only(MANAGER)},
    "auditpack:detail": {GET: only(MANAGER)},
    "auditpack:zip": {GET: only(MANAGER)},
    "audit-pack-list": {GET: only(MANAGER), POST: only(MANAGER)},
    "audit-pack-detail": {GET: only(MANAGER)},
    "audit-pack-zip": {GET: only(MANAGER)},

    # Personal data (/donnees-personnelles/): managers only; <user_id> is the learner's account.
    "personal_data:search": {GET: only(MANAGER)},
    "personal_data:person": {GET: only(MANAGER)},
    "personal_data:export": {GET: only(MANAGER)},
    "personal_data:erase": {GET: only(MANAGER), POST: only(MANAGER)},

    # Convocations and calendars (issue 16). The feed is read without logging in, by its
    # secret address: the matrix asks for an unknown one, 404 for everybody (the valid and
    # revoked addresses are pinned by tests/convocations).
    "calendar-feed": {GET: NOBODY},
    "convocations:my-calendar": {GET: SIGNED_IN, POST: SIGNED_IN},
    # The opt-out link of an e-mail: no login (a signed address); an invalid one says so.
    "convocations:reminders-off": {GET: EVERYONE, POST: EVERYONE},
    "convocations:cohort-messages": {GET: COHORT_A},
    "convocations:cohort-letters": {GET: COHORT_A},
}

# Wagtail serves the page tree through one catch-all pattern: these explicit pages stand for it.
PAGES: dict[str, dict[str, frozenset[str]]] = {
    "page:home": {GET: EVERYONE},
    "page:catalogue": {GET: EVERYONE},
    "page:path": {GET: EVERYONE},
    "page:module": {GET: EVERYONE},
    # A lesson page only reads: its quiz answers go to progress:quiz-submit.
    "page:lesson": {GET: EVERYONE},
}

# Grants that should not be, found by this matrix and reported: they are marked "expected
# failure" (XFAIL in the summary) instead of failing the suite, and the test fails as soon as
# one of them is fixed, so that its line here is removed. Keep this empty whenever possible.
#
# Documents: certificates/ scopes a trainer by can_manage_path / paths_managed_by, i.e. any
# trainer of *a* cohort of the path, where Enrollment.objects.visible_to scopes them to their
# own cohorts (or the path's own trainers). So the other cohort's trainer reads the learner's
# certificate, lists cohort A's learners and documents, and requests documents for them.
_OTHER_COHORTS_DOCUMENTS = ("another cohort's trainer of the same path reaches cohort A's "
                            "documents: certificates scopes by path, not by cohort")
KNOWN_HOLES: dict[tuple[str, str, str], str] = {}
