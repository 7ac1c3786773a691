"""Realistic SAMPLE documents for the demo company, rendered with WeasyPrint.

Nothing here is a real attestation: every page says SAMPLE. The files are generated at
set-up (`manage.py demo_documents`, run by `make run`) so no binary is committed.
"""

import datetime
import logging
from dataclasses import dataclass

from django.template.loader import render_to_string

from trustcenter.core.company import load_company
from trustcenter.documents.models import Kind
from trustcenter.lib.visibility import Visibility

AUDITOR = "Harrow & Lindqvist LLP"
REGISTRAR = "Nordmark Zertifizierung GmbH"
PENTESTER = "Ravenscar Offensive Security Ltd"

# Trust Services Criteria in scope, each with the controls that address it. The wording is
# written for this demo; it follows the structure of a real report, not its text.
CRITERIA = [
    ("CC1.1", "The entity demonstrates a commitment to integrity and ethical values.", [
        ("Employees acknowledge the Code of Conduct at hire and annually.", "Inspected acknowledgements for a sample of 25 employees hired and 25 existing employees."),
        ("Background checks are completed before access to production is granted.", "Inspected background check results for a sample of 25 new hires."),
    ]),
    ("CC1.2", "The board of directors demonstrates independence from management and exercises oversight.", [
        ("The board's audit committee meets quarterly and reviews the security programme.", "Inspected minutes of the four quarterly meetings in the period."),
    ]),
    ("CC1.3", "Management establishes structures, reporting lines and authorities.", [
        ("An organisation chart defines reporting lines and is updated at least quarterly.", "Inspected the organisation chart and its revision history."),
        ("The CISO reports to the CEO and presents to the board twice a year.", "Inspected board presentations dated within the period."),
    ]),
    ("CC1.4", "The entity demonstrates a commitment to attract, develop and retain competent individuals.", [
        ("Job descriptions define security responsibilities for each role.", "Inspected job descriptions for a sample of 15 roles."),
        ("Employees complete security awareness training at hire and annually.", "Inspected training completion records for a sample of 40 employees."),
    ]),
    ("CC1.5", "The entity holds individuals accountable for their internal control responsibilities.", [
        ("Performance reviews include adherence to security policies.", "Inspected review templates and a sample of 10 completed reviews."),
    ]),
    ("CC2.1", "The entity obtains or generates relevant, quality information to support internal control.", [
        ("A system inventory of production assets is maintained automatically from the cloud provider APIs.", "Inspected the inventory configuration and compared it with the cloud account listing."),
    ]),
    ("CC2.2", "The entity internally communicates information necessary to support internal control.", [
        ("Security policies are published on the intranet and reviewed annually.", "Inspected the policy portal and the approval records of each policy."),
        ("Security incidents and changes are communicated through a dedicated channel.", "Observed the channel and inspected a sample of 10 announcements."),
    ]),
    ("CC2.3", "The entity communicates with external parties regarding matters affecting internal control.", [
        ("Customers are notified of security incidents affecting their data within 72 hours.", "Inspected the incident log; no notifiable incidents occurred in the period."),
        ("A public trust center and security.txt describe how to report vulnerabilities.", "Inspected the public trust center and its security.txt file."),
    ]),
    ("CC3.1", "The entity specifies objectives with sufficient clarity to identify risks.", [
        ("Security objectives are defined annually and approved by the executive team.", "Inspected the approved objectives document for the period."),
    ]),
    ("CC3.2", "The entity identifies and analyses risks to the achievement of its objectives.", [
        ("A risk assessment is performed annually and when significant changes occur.", "Inspected the risk register and the annual risk assessment report."),
    ]),
    ("CC3.3", "The entity considers the potential for fraud in assessing risks.", [
        ("The annual risk assessment includes fraud scenarios reviewed by Finance.", "Inspected the fraud section of the risk assessment."),
    ]),
    ("CC3.4", "The entity identifies and assesses changes that could significantly impact internal control.", [
        ("Significant changes to systems or organisation trigger a risk review.", "Inspected risk reviews for the two significant changes in the period."),
    ]),
    ("CC4.1", "The entity selects, develops and performs ongoing and separate evaluations.", [
        ("Internal audit tests a rotating sample of controls each quarter.", "Inspected the four quarterly internal audit reports."),
        ("Cloud configuration is evaluated continuously against a security baseline.", "Inspected the baseline and findings dashboard; observed the alerting configuration."),
    ]),
    ("CC4.2", "The entity evaluates and communicates internal control deficiencies in a timely manner.", [
        ("Control deficiencies are tracked to remediation with owners and due dates.", "Inspected the deficiency tracker and a sample of 10 closed items."),
    ]),
    ("CC5.1", "The entity selects and develops control activities that contribute to the mitigation of risks.", [
        ("Each risk above tolerance is mapped to at least one control in the control matrix.", "Inspected the control matrix for a sample of 20 risks."),
    ]),
    ("CC5.2", "The entity selects and develops general control activities over technology.", [
        ("Infrastructure is defined as code and deployed only through the CI pipeline.", "Inspected pipeline configuration and observed a deployment."),
    ]),
    ("CC5.3", "The entity deploys control activities through policies and procedures.", [
        ("Policies are reviewed and approved by their owners at least annually.", "Inspected review records for all 14 policies."),
    ]),
    ("CC6.1", "The entity implements logical access security over protected information assets.", [
        ("Access to production requires SSO with phishing-resistant MFA.", "Inspected the identity provider configuration and attempted access without MFA; access was denied."),
        ("Customer data is encrypted at rest with AES-256 using keys in AWS KMS.", "Inspected encryption settings for all production data stores."),
        ("Tenant isolation is enforced by workspace-scoped credentials.", "Inspected the authorisation middleware and a sample of automated tests."),
    ]),
    ("CC6.2", "Prior to issuing credentials, the entity registers and authorises new users.", [
        ("Access requests are approved by the system owner before provisioning.", "Inspected approvals for a sample of 25 access grants."),
    ]),
    ("CC6.3", "The entity authorises, modifies or removes access based on roles and least privilege.", [
        ("Access is removed within one business day of termination.", "Inspected deprovisioning records for a sample of 15 leavers."),
        ("Privileged access is reviewed quarterly by system owners.", "Inspected the four quarterly access reviews and resulting changes."),
    ]),
    ("CC6.4", "The entity restricts physical access to facilities and protected information assets.", [
        ("Physical security of data centres is carved out to the subservice organisation (AWS).", "Inspected the AWS SOC 2 report and the complementary controls listed in it."),
        ("Office access requires badges; visitor logs are kept.", "Observed badge readers and inspected visitor logs for a sample of 10 days."),
    ]),
    ("CC6.5", "The entity discontinues logical and physical protections over assets only after data is removed.", [
        ("Laptops are wiped remotely or physically destroyed before disposal.", "Inspected disposal certificates for a sample of 10 devices."),
    ]),
    ("CC6.6", "The entity implements logical access security measures against threats from outside its boundaries.", [
        ("A web application firewall and DDoS protection front all public endpoints.", "Inspected WAF configuration and rule change history."),
        ("Production networks accept no inbound administrative connections from the internet.", "Inspected security group rules for all production VPCs."),
    ]),
    ("CC6.7", "The entity restricts the transmission, movement and removal of information.", [
        ("Data in transit over public networks is encrypted with TLS 1.2 or higher.", "Inspected TLS configuration of public endpoints with a scanning tool."),
        ("Endpoints use full-disk encryption, enforced by device management.", "Inspected the device management report for all active laptops."),
    ]),
    ("CC6.8", "The entity prevents or detects unauthorised or malicious software.", [
        ("Endpoint detection and response runs on all laptops and servers.", "Inspected the EDR console coverage report."),
        ("Container images are scanned for known vulnerabilities before deployment.", "Inspected pipeline configuration and a sample of 25 builds."),
    ]),
    ("CC7.1", "The entity uses detection and monitoring procedures to identify configuration changes and vulnerabilities.", [
        ("Vulnerability scans run weekly; critical findings are fixed within 7 days.", "Inspected scan reports and remediation tickets for a sample of 20 findings."),
    ]),
    ("CC7.2", "The entity monitors system components for anomalies indicative of malicious acts.", [
        ("Security logs are centralised and retained for 13 months.", "Inspected log pipeline configuration and retention settings."),
        ("Detection rules alert the on-call security engineer around the clock.", "Inspected the alert routing and a sample of 15 alerts with their handling."),
    ]),
    ("CC7.3", "The entity evaluates security events to determine whether they are incidents.", [
        ("Alerts are triaged within 30 minutes and classified by severity.", "Inspected a sample of 25 triaged alerts."),
    ]),
    ("CC7.4", "The entity responds to identified security incidents.", [
        ("An incident response plan defines roles, communication and containment steps.", "Inspected the plan and its annual approval."),
        ("The plan is exercised at least annually.", "Inspected the tabletop exercise report and follow-up actions."),
    ]),
    ("CC7.5", "The entity identifies, develops and implements activities to recover from incidents.", [
        ("Post-incident reviews are completed for every high-severity incident.", "Inspected post-incident reviews for the three high-severity incidents in the period."),
    ]),
    ("CC8.1", "The entity authorises, designs, develops, tests, approves and implements changes.", [
        ("Code changes require review and approval by a second engineer before merge.", "Inspected branch protection settings and a sample of 40 merged changes."),
        ("Automated tests must pass before deployment to production.", "Inspected pipeline configuration and a sample of 25 deployments."),
        ("Emergency changes are reviewed retrospectively within two business days.", "Inspected the four emergency changes in the period."),
    ]),
    ("CC9.1", "The entity identifies, selects and develops risk mitigation activities for business disruptions.", [
        ("Cyber insurance coverage is reviewed annually.", "Inspected the insurance policy and the annual review."),
    ]),
    ("CC9.2", "The entity assesses and manages risks associated with vendors and business partners.", [
        ("Subprocessors are assessed before onboarding and reviewed annually.", "Inspected vendor assessments for a sample of 8 subprocessors."),
    ]),
    ("A1.1", "The entity maintains, monitors and evaluates current processing capacity.", [
        ("Capacity dashboards alert when utilisation exceeds 70 per cent.", "Inspected alert thresholds and a sample of capacity alerts."),
    ]),
    ("A1.2", "The entity authorises, designs and maintains environmental protections, backup and recovery infrastructure.", [
        ("Databases are backed up continuously with point-in-time recovery for 35 days.", "Inspected backup configuration for all production databases."),
        ("Backups are copied to a second region and encrypted.", "Inspected cross-region replication settings."),
    ]),
    ("A1.3", "The entity tests recovery plan procedures supporting system recovery.", [
        ("Restores are tested quarterly against the recovery time objective.", "Inspected the four quarterly restore test records."),
    ]),
    ("C1.1", "The entity identifies and maintains confidential information.", [
        ("Data is classified according to the data classification policy.", "Inspected the classification policy and the data inventory."),
    ]),
    ("C1.2", "The entity disposes of confidential information to meet its objectives.", [
        ("Customer data is deleted within 30 days of contract termination.", "Inspected deletion records for a sample of 10 terminated customers."),
    ]),
]  # fmt: skip


def _criteria_with_ids():
    rows = []
    for criterion, text, controls in CRITERIA:
        numbered = []
        for index, (control, test) in enumerate(controls, start=1):
            numbered.append(
                {
                    "id": f"{criterion}.{index}",
                    "control": control,
                    "test": test,
                    "result": "No exceptions noted.",
                }
            )
        rows.append({"criterion": criterion, "text": text, "controls": numbered})
    return rows


@dataclass(frozen=True)
class DemoDocument:
    key: str
    template: str
    fields: dict


def demo_documents() -> list[DemoDocument]:
    d = datetime.date
    return [
        DemoDocument(
            "soc2-2025",
            "documents/demo/soc2.html",
            {
                "title": "SOC 2 Type II report 2024–2025",
                "kind": Kind.SOC2_TYPE2,
                "framework": "SOC 2",
                "period_start": d(2024, 10, 1),
                "period_end": d(2025, 9, 30),
                "issued": d(2025, 11, 7),
                "expires": d(2026, 11, 6),
                "visibility": Visibility.NDA,
                "description": "Security, Availability and Confidentiality; examined by Harrow & Lindqvist LLP.",
            },
        ),
        DemoDocument(
            "soc2-2026",
            "documents/demo/soc2.html",
            {
                "title": "SOC 2 Type II report 2025–2026",
                "kind": Kind.SOC2_TYPE2,
                "framework": "SOC 2",
                "period_start": d(2025, 10, 1),
                "period_end": d(2026, 9, 30),
                "issued": d(2026, 11, 6),
                "expires": d(2027, 11, 5),
                "visibility": Visibility.NDA,
                "description": (
                    "Independent examination of the design and operating effectiveness of our controls over twelve "
                    "months; Security, Availability and Confidentiality criteria."
                ),
            },
        ),
        DemoDocument(
            "iso-certificate",
            "documents/demo/iso_certificate.html",
            {
                "title": "ISO/IEC 27001:2022 certificate",
                "kind": Kind.ISO27001_CERTIFICATE,
                "framework": "ISO/IEC 27001:2022",
                "period_start": None,
                "period_end": None,
                "issued": d(2025, 4, 7),
                "expires": d(2028, 4, 6),
                "visibility": Visibility.PUBLIC,
                "description": "Certificate of registration issued by Nordmark Zertifizierung GmbH.",
            },
        ),
        DemoDocument(
            "pentest-2026",
            "documents/demo/pentest.html",
            {
                "title": "Penetration test summary 2026",
                "kind": Kind.PENTEST_SUMMARY,
                "framework": "",
                "period_start": d(2026, 8, 3),
                "period_end": d(2026, 8, 21),
                "issued": d(2026, 9, 4),
                "expires": d(2027, 9, 3),
                "visibility": Visibility.NDA,
                "description": "Executive summary of the annual application and infrastructure test by Ravenscar.",
            },
        ),
        DemoDocument(
            "insurance-2025",
            "documents/demo/insurance.html",
            {
                "title": "Cyber liability insurance certificate 2025–2026",
                "kind": Kind.INSURANCE_CERTIFICATE,
                "framework": "",
                "period_start": d(2025, 7, 1),
                "period_end": d(2026, 6, 30),
                "issued": d(2025, 6, 20),
                "expires": d(2026, 6, 30),
                "visibility": Visibility.NDA,
                "description": "Certificate of insurance for the policy year that ended on 30 June 2026.",
            },
        ),
    ]


def render_demo_pdf(demo: DemoDocument) -> bytes:
    """Render one SAMPLE document to PDF bytes."""
    from weasyprint import HTML

    # WeasyPrint reports every layout step at INFO; the set-up output should stay readable.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    company = load_company()
    context = {
        "company": company,
        "doc": demo.fields,
        "auditor": AUDITOR,
        "registrar": REGISTRAR,
        "pentester": PENTESTER,
        "criteria": _criteria_with_ids(),
        "subprocessors": company.subprocessors,
    }
    html = render_to_string(demo.template, context)
    return HTML(string=html).write_pdf()
