"""Suggestions: paraphrase-aware ranking over approved answers and policy sections."""

import pytest

from trustcenter.questionnaires.models import Answer, AnswerStatus
from trustcenter.questionnaires.ranking import REASON_CONFLICT, Document, Index, analyze
from trustcenter.questionnaires.reading import read_question
from trustcenter.questionnaires.services import library_index

# Runs in the first pass of `make test` only: ranking is the same on any database.
pytestmark = [pytest.mark.django_db, pytest.mark.any_backend]

PARAPHRASES = [
    ("Do you encrypt data at rest?", "encryption-at-rest"),
    ("Is 2FA mandatory for your workforce?", "workforce-mfa"),
    ("What's your RPO?", "rto-rpo"),
    ("Are pen tests performed by an independent firm every year?", "penetration-testing"),
    ("In which country will our data physically reside?", "data-location"),
    ("Explain where customer data is stored:", "data-location"),
    # "Regularly" is how a sheet likes things done, not what it asks about (restore tests).
    ("Are backups taken regularly?", "backups"),
    ("How fast do you revoke access for leavers?", "leaver-access"),
    ("Do you have a SOC2 Type 2 audit report?", "soc2"),
    ("Can we use our own KMS keys?", "byok"),
    ("Do you screen new hires before they start?", "background-checks"),
    ("Do you run a bug bounty?", "bug-bounty"),
    ("Is customer info used to train your ML/AI models?", "data-use"),
    ("Describe how you keep tenants' data apart in your multi-tenant SaaS.", "tenant-isolation"),
    # Who it is about: the company's own staff and networks, or the users of the product.
    ("Is multi-factor authentication required for all remote access to your corporate network?", "workforce-mfa"),
    ("Does the application support role-based access control?", "customer-roles"),
    # A customer's permission is consent, not a role's permissions.
    ("Can your staff access our workspace without our permission?", "support-access"),
    # Signing in with a Google or Microsoft account is single sign-on, not a second factor.
    ("Is sign in with Google supported?", "customer-sso"),
    ("Can users log in with Microsoft?", "customer-sso"),
    # Vulnerabilities "reported by third parties" come from researchers, not from vendors.
    ("What is your process for handling security vulnerabilities reported by third parties?", "bug-bounty"),
    # A sheet's "client" is the customer ("client data"); "client-side" is software.
    ("Where is client data stored?", "data-location"),
    ("Is client data segregated from other clients?", "tenant-isolation"),
]


def _top_keys(question, n=1):
    ranked = library_index().rank(question)
    keys = []
    for suggestion in ranked.suggestions[:n]:
        pk = suggestion.document.answer_pk
        keys.append(Answer.objects.get(pk=pk).seed_key if pk else suggestion.document.key)
    return keys


def test_the_analyzer_meets_paraphrases_on_shared_concepts():
    assert "~atrest" in analyze("AES-256 for stored customer data")
    assert "~atrest" in analyze("Do you encrypt data at rest?")
    assert "~mfa" in analyze("Is 2FA enforced?") and "~mfa" in analyze("multi-factor authentication")
    assert "~mfa" in analyze("FIDO2 security keys")
    assert "~byok" in analyze("Do you support customer-managed encryption keys?")
    assert "~subprocessor" in analyze("Will you notify us in advance of any material subcontracting?")
    # "information" and "inform" share a stem; only "inform customers" and the like mean notifying.
    assert "~notify" not in analyze("Who is responsible for information security?")
    assert "~notify" in analyze("Will you inform us of a breach?")
    # Words the stemmer would fold into unrelated ones keep their own token.
    assert "~office" not in analyze("Who is the Chief Information Security Officer?")
    assert "~mfa" not in analyze("Is the authenticity of communications sessions protected?")
    assert "~mfa" in analyze("Do you support an authenticator app?")
    assert "~container" not in analyze("Are incidents contained?") and "~container" in analyze("Do you use containers?")
    assert "~certification" not in analyze("Is the audit log retained?")
    assert "~certification" in analyze("Are you audited by an external auditor?")
    assert "~ids" not in analyze("Do you support IP allowlisting?") and "~ids" in analyze("Do you run an IPS?")
    assert "~privileged" in analyze("Do employees have local administrator rights?")
    # "governance" and "government" share a stem; a governance heading is no government request.
    assert "~govrequest" not in analyze("Company & Governance") and "~govrequest" in analyze("government requests")
    # "applicable" is a stop word ("if applicable"); "application", with the same stem, is not.
    assert "application" in analyze("web application security") and not analyze("if applicable")
    assert "continuity" in analyze("business continuity") and "continuity" not in analyze("continuous monitoring")
    # An attack meets the practice that prevents it.
    assert "~sqli" in analyze("How do you prevent SQL injection?") and "~sqli" in analyze("parameterized queries")
    assert "~xss" in analyze("Is output encoding applied?") and "~xss" in analyze("cross-site scripting (XSS)")
    assert "~authzcheck" in analyze("Are checks in place to prevent IDOR?")
    assert "~authzcheck" in analyze("server-side authorisation checks on every endpoint")
    assert "~ssrf" in analyze("Does the application make outbound requests to user-supplied URLs?")
    assert "~ssrf" in analyze("our internal libraries for outbound HTTP requests")
    # "product" and "share" are questionnaire filler; "production" and "shared" are not.
    assert "production" in analyze("Is MFA required for production systems?")
    assert "product" not in analyze("the product")
    assert "shared" in analyze("Are shared accounts prohibited?") and not analyze("Please share")
    # "Formal", "regularly" say how a sheet likes things, not what they are about.
    assert analyze("a formally documented, formal programme, regularly reviewed") == analyze(
        "a documented programme, reviewed"
    )
    # Cipher suites are named by their parts.
    assert "~ciphersuite" in analyze("Which cipher suites are enabled?")
    assert "~ciphersuite" in analyze("ECDHE key exchange with AES-GCM or ChaCha20-Poly1305")
    # Words the stemmer would give another word's stem keep their own.
    assert not set(analyze("Is there a designated DPO?")) & set(analyze("privacy by design"))
    assert not set(analyze("the executive summary")) & set(analyze("code execution"))
    assert not set(analyze("Who is accountable?")) & set(analyze("user accounts"))
    assert not set(analyze("recovery time objective")) & set(analyze("object storage"))
    assert not set(analyze("generative AI tools")) & set(analyze("generated reports"))
    # Devices "recovered" from leavers are assets returned.
    assert "~assetreturn" in analyze("Are company-issued devices recovered upon termination?")
    assert "~assetreturn" in analyze("How do you ensure company assets are returned?")
    # Where TLS ends is not the end of a contract ("!tls termination" in the vocabulary).
    assert "~termination" not in analyze("Where is SSL/TLS terminated?")
    assert "~termination" not in analyze("TLS terminates at the edge")
    assert "~tlstermination" in analyze("TLS terminates at the edge")
    assert "~termination" in analyze("Is data deleted on termination of the contract?")
    # Who is accountable for security is the CISO, however the sheet puts it.
    assert "~ciso" in analyze("Who is the executive accountable for information security?")
    assert "~ciso" in analyze("Who is responsible for the information security programme?")
    # A SOC alone is a security operations centre; a SOC 2 is a report, not monitoring.
    assert "~monitor" in analyze("Is the SOC operated internally or outsourced?")
    assert "~monitor" not in analyze("Can you share your SOC 2 Type II report?")
    assert "~monitor" not in analyze("Do your vendors provide SOC reports?")
    # "the vendor" means the company being assessed, not vendor management
    assert "~vendor" not in analyze("Does the vendor encrypt backups?")
    assert "~vendor" in analyze("How do you assess your vendors?")
    # Abbreviations sheets use for what the policies spell out.
    assert "~mtls" in analyze("Is mTLS used between services?") and "~mtls" in analyze("traffic uses mutual TLS")
    assert "~cspm" in analyze("Do you run a CSPM?") and "~cspm" in analyze("cloud security posture management")
    assert "~toms" in analyze("Describe your TOMs") and "~toms" in analyze("technical and organizational measures")
    assert "~wifi" in analyze("Is wireless access segregated?") and "~wifi" in analyze("the office Wi-Fi")


def test_us_the_pronoun_is_a_stop_word_and_the_us_the_country():
    # "Will you notify us?" shares nothing with "US (North Virginia)".
    assert analyze("Will you notify us?") == ["notifi", "~notify"]
    assert "usa" in analyze("Is our data stored in the US?")
    assert "usa" in analyze("US workspaces use us-east-1") and "usa" in analyze("backups in us-west-2 (Oregon)")
    assert "usa" in analyze("the U.S. region") and "usa" not in analyze("USB storage is blocked")


def test_how_quickly_asks_for_a_period_and_names_no_subject(answer_library):
    # "quickly" says a period is wanted (the kind of question), as "how often" does: it does
    # not pull the answers whose own questions say "How quickly ...?" (leavers, breaches).
    assert analyze("How quickly is access removed?") == analyze("How is access removed?")
    ranked = library_index().rank(read_question("How are servers patched, and how quickly?"))
    assert _top_keys("How are servers patched, and how quickly?") == ["patching-slas"]
    assert not ranked.needs_expert, ranked.suggestions[0].confidence


@pytest.mark.parametrize(
    ("american", "british"),
    [
        ("authorization", "authorisation"),
        ("Is the security program reviewed?", "Is the security programme reviewed?"),
        ("data center", "data centre"),
        ("centralized logging", "centralised logging"),
        ("anonymized data", "anonymised data"),
        ("prioritized patches", "prioritised patches"),
        ("software license", "software licence"),
        ("user behavior", "user behaviour"),
        ("analyze", "analyse"),
    ],
)
def test_american_and_british_spellings_meet(american, british):
    assert analyze(american) == analyze(british) and analyze(american)


def test_a_question_in_american_english_finds_the_british_policy_text():
    index = Index(
        [
            _doc("right", "Every authorisation change is approved by the system owner."),
            _doc("other", "Backups are kept for 35 days in a second region."),
        ]
    )
    assert index.rank("Are authorization changes approved?").suggestions[0].document.key == "right"


def _doc(key, text):
    return Document(key=key, kind="answer", title=text, short_answer="", detail=text, source={}, fields=[(text, 1.0)])


def test_encrypt_data_at_rest_finds_aes_256_for_stored_customer_data():
    # No word of the question appears in the right answer: only stems and synonyms connect them.
    index = Index(
        [
            _doc("right", "AES-256 for stored customer data."),
            _doc("laptops", "Laptops lock their screens after five minutes."),
            _doc("backups", "Backups are kept for 35 days in a second region."),
            _doc("training", "Staff complete security training every year."),
        ]
    )
    ranked = index.rank("Do you encrypt data at rest?")
    assert ranked.suggestions[0].document.key == "right"


def test_a_question_that_asks_how_often_prefers_a_close_candidate_that_says_how_often():
    # Both share the question's words; only one says how often. Without the check the first,
    # with more shared words, would win and its short answer could not say how often.
    index = Index(
        [
            _doc("customer", "Customers may run their own penetration tests of the service after notice."),
            _doc("annual", "An independent firm runs a penetration test every year."),
            _doc("laptops", "Laptops lock their screens after five minutes."),
        ]
    )
    ranked = index.rank("How often are penetration tests of the service run by customers or others?")
    assert ranked.suggestions[0].document.key == "annual"
    assert ranked.suggestions[0].short_answer == "Annually"  # "every year", as a frequency column says it
    # A question that does not ask how often keeps the order of the shared words.
    assert index.rank("Can customers run penetration tests of the service?").suggestions[0].document.key == "customer"


def test_paraphrased_questions_find_the_right_answer_first(answer_library):
    wrong = [(question, key, _top_keys(question)) for question, key in PARAPHRASES if _top_keys(question) != [key]]
    assert wrong == []


def test_up_to_three_suggestions_with_decreasing_confidence_and_sources(answer_library, settings):
    ranked = library_index().rank("How long do you keep backups and are they encrypted?")
    assert 1 <= len(ranked.suggestions) <= 3
    confidences = [s.confidence for s in ranked.suggestions]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= c <= 100 for c in confidences)
    top = ranked.suggestions[0].as_dict()
    assert top["source"]["url"].startswith(settings.SITE_URL + "/policies/")
    assert "#" in top["source"]["url"] and top["source"]["version"] >= 1


def test_a_word_the_heading_repeats_counts_once(answer_library):
    index = library_index()
    twice = index._query(read_question("How long are they kept?", section="Privacy > Privacy notices"))
    once = index._query(read_question("How long are they kept?", section="Privacy notices"))
    assert twice["privaci"] == once["privaci"] and once["privaci"][1] == "heading"


def test_questions_the_library_cannot_answer_need_an_expert(answer_library):
    for question in ["What colour is the CEO's car?", "", "???", "Quelle est la capitale de la France ?"]:
        assert library_index().rank(question).needs_expert, question
    # CSRF is no OWASP Top 10 category and the policies say nothing of it: a WAF's OWASP rule set
    # does not answer it.
    question = read_question("Describe how the application protects against CSRF.", section="Web Application")
    assert library_index().rank(question).needs_expert


def test_policy_sections_are_suggested_with_version_and_link(answer_library):
    Answer.objects.update(status=AnswerStatus.DRAFT, show_in_faq=False)
    ranked = library_index().rank("Is DNSSEC enabled, and is the domain registrar account protected by registry lock?")
    top = ranked.suggestions[0].as_dict()
    assert top["kind"] == "section"
    assert top["source"]["policy"] == "network-security" and top["source"]["anchor"] == "dns"
    assert top["source"]["path"] == "/policies/network-security/#dns"
    assert top["source"]["version"] == 1


def test_drafts_are_never_suggested_and_the_index_follows_approvals(answer_library, security_admin):
    answer = Answer.objects.get(seed_key="bug-bounty")
    answer.status = AnswerStatus.DRAFT
    answer.save()
    assert f"answer:{answer.pk}" not in [
        s.document.key for s in library_index().rank("bug bounty programme").suggestions
    ]
    from trustcenter.questionnaires.services import answer_approve

    answer_approve(answer=answer, actor=security_admin)
    assert library_index().rank("bug bounty programme").suggestions[0].document.key == f"answer:{answer.pk}"


def test_a_cited_section_is_not_repeated_after_the_answer_that_cites_it(answer_library):
    ranked = library_index().rank("Is customer data encrypted at rest with AES-256?")
    keys = [s.document.key for s in ranked.suggestions]
    assert keys[0].startswith("answer:")
    assert "section:data-protection#encryption-at-rest" not in keys


def test_two_documents_that_say_different_things_and_tie_are_a_conflict_for_an_expert():
    mfa = _doc("mfa", "Multi-factor authentication is enforced for administrators of production systems.")
    # The same words in another order, in two documents that cite nothing in common: a tie.
    roles = _doc("roles", "For administrators of production systems, multi-factor authentication is enforced.")
    ranked = Index([mfa, roles]).rank("Is MFA enforced for administrators of production systems?")
    assert ranked.needs_expert and ranked.reason == REASON_CONFLICT, ranked
    # Alone, or ahead of a document on something else, it is no conflict.
    other = _doc("backups", "Backups are kept for 35 days in a second region.")
    ranked = Index([mfa, other]).rank("Is MFA enforced for administrators of production systems?")
    assert ranked.suggestions[0].document.key == "mfa"
    assert ranked.reason != REASON_CONFLICT, ranked


def _section(key, heading, text):
    return Document(
        key=f"section:{key}",
        kind="section",
        title=f"Data Protection: {heading}",
        short_answer="",
        detail=text,
        source={"policy": "data-protection", "heading": heading},
        fields=[(heading, 3.0), (text, 1.0)],
        text=text,
    )


def test_a_policys_review_section_answers_only_questions_about_the_policy():
    review = _section(
        "data-protection#review",
        "Review",
        "This policy is reviewed annually by the CISO and whenever encryption key management services change.",
    )
    keys = _section("data-protection#keys", "Keys", "Encryption keys are held in a managed key service.")
    other = _section("data-protection#backups", "Backups", "Backups are kept for 35 days in a second region.")
    index = Index([review, keys, other])
    assert index.rank("Who manages encryption keys?").suggestions[0].document.key == "section:data-protection#keys"
    # Asked about the review, the review section answers.
    ranked = index.rank("How often is the encryption policy reviewed?")
    assert ranked.suggestions[0].document.key == "section:data-protection#review"


def test_a_question_on_the_vendors_controls_is_answered_from_vendor_management(answer_library):
    # What the company asks of its suppliers, not its own certificate ...
    assert _top_keys("Are your suppliers required to have ISO 27001 certification?") == ["vendor-assessment"]
    # ... and its own insurance is no answer to whether its vendors are insured.
    ranked = library_index().rank("Do your vendors have cyber insurance?")
    assert ranked.needs_expert, ranked.suggestions[0]
    # "Vendor", singular, is the company the sheet is about.
    assert _top_keys("Can vendor support staff access customer tenant data?") == ["support-access"]


def test_a_question_on_the_running_service_is_not_answered_by_what_happens_at_its_end(answer_library):
    assert "~inservice" in analyze("Can we delete records during the subscription?")
    # What happens to the data when the contract ends is no answer to deleting it before.
    ranked = library_index().rank(
        read_question("Can the customer delete individual records permanently during the subscription?")
    )
    assert "termination" not in ranked.suggestions[0].document.key, ranked.suggestions[0]
    # Asked about the end, the end answers.
    assert _top_keys("What happens to our data when the contract ends?") == ["deletion-on-termination"]


def test_in_place_says_nothing_of_what_is_asked(answer_library):
    # "place" would be the rarest word of "What monitoring is in place ...?" and meet "public
    # places" (screens in public places) or the network segmentation of production.
    assert analyze("What monitoring is in place?") == analyze("What monitoring is?")
    ranked = library_index().rank("What monitoring is in place for the production environment?")
    top = ranked.suggestions[0]
    assert top.document.key != "section:network-security#segmentation" or ranked.needs_expert, top.confidence
    assert "public places" not in library_index().rank("What monitoring is in place?").suggestions[0].quote


def test_named_ai_assistants_are_ai():
    for text in ("ChatGPT", "GitHub Copilot", "a large language model", "OpenAI"):
        assert "~ai" in analyze(text), text


def test_a_notice_of_something_else_is_not_a_sure_answer(answer_library):
    # The notice of subprocessor changes, and the breach notification, are notices of other
    # things than changes to the application or a credential reset.
    for question in (
        "Are customers notified of changes to the application?",
        "Are users notified after updates to authentication details such as credential resets?",
        "Are customers notified when their data is accessed by support?",
    ):
        ranked = library_index().rank(question)
        assert ranked.needs_expert, (question, ranked.suggestions[0].document.title, ranked.suggestions[0].confidence)
    # A notice of what the answer's title or tags name ("incident notification") stands.
    for question, key in (
        ("Are customers notified of security incidents affecting them?", "breach-notification"),
        ("Will you notify us of changes to subprocessors?", "subprocessor-list"),
    ):
        ranked = library_index().rank(question)
        assert not ranked.needs_expert and _top_keys(question) == [key], question


def test_of_a_path_of_headings_the_last_says_most(answer_library):
    # "Governance", the sheet's top-level group, is not what "Do you have a formal risk
    # management program?" under "Risk Management" asks about (the board's oversight).
    question = read_question(
        "Do you have a formal risk management program?", section="Company & Governance > Risk Management"
    )
    assert _top_keys(question) == ["risk-assessment"]


def test_a_client_is_a_customer_unless_it_is_software():
    assert read_question("Where is client data stored?").text == "Where is customer data stored?"
    assert read_question("Are clients notified?").text == "Are customers notified?"
    for text in ("Is client-side encryption supported?", "Are client certificates used?", "Client Side SDKs"):
        assert read_question(text).text == text
    assert (
        read_question("Is MFA enforced?", section="Client Side & Integrations").section == "Client Side & Integrations"
    )


def test_back_up_the_verb_is_backup():
    assert analyze("Do you back up customer data?") == analyze("Do you backup customer data?")
    assert "back" not in analyze("Is customer data backed up?")
    assert "backup" in analyze("Backing-up is automated")


def test_what_a_text_sets_aside_is_not_what_it_is_about(answer_library):
    # "Service health is monitored separately from security events" is not how security events
    # are monitored.
    ranked = library_index().rank("Describe how you monitor your environment for security events.")
    top = ranked.suggestions[0]
    assert top.document.key != "section:logging-monitoring#availability-monitoring", top.confidence
