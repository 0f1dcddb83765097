// The mail each event causes: the one place where what happened becomes
// what people are told.

#include <cpd/claims/events.hpp>
#include <cpd/ledger/events.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/mail/upgrade.hpp>
#include <cpd/store/database.hpp>
#include <cpd/year/events.hpp>

namespace cpd {

namespace {

// Before main(), in the file of install_mail(), which every program that
// opens a database for its commands links: the mail layer's step of the
// migrations.
// NOLINTNEXTLINE(cert-err58-cpp)
[[maybe_unused]] const bool k_upgrade = Database::register_migration_step(15, word_old_mail);

} // namespace

Database&
install_mail(Database& database)
{
  auto& events = database.events();
  events.on<AdjustmentMade>([](Database& db, const Context& context, const AdjustmentMade& e) {
    notice_adjustment(db, context, e.member, e.adjustment, e.corrections);
  });
  events.on<YearCorrected>([](Database& db, const Context& context, const YearCorrected& e) {
    notice_year_corrected(db, context, e.member, e.corrections, e.why, e.cause);
  });
  events.on<ClaimSubmitted>([](Database& db, const Context& context, const ClaimSubmitted& e) {
    notice_claim_submitted(db, context, e.claim, e.member);
  });
  events.on<AttendanceRecorded>(
    [](Database& db, const Context& context, const AttendanceRecorded& e) {
      notice_attendance_recorded(db, context, e.claim, e.member);
    });
  events.on<ClaimDecided>([](Database& db, const Context& context, const ClaimDecided& e) {
    notice_claim_decided(db, context, e.claim, e.member, e.corrections);
  });
  events.on<ClaimWithdrawn>([](Database& db, const Context& context, const ClaimWithdrawn& e) {
    notice_claim_withdrawn(db, context, e.claim, e.member);
  });
  events.on<EvidenceAdded>([](Database& db, const Context& context, const EvidenceAdded& e) {
    notice_evidence_added(db, context, e.claim, e.member, e.added, e.audit_year);
  });
  events.on<QuotaReached>(notice_quota_reached);
  events.on<EvidencePurged>([](Database& db, const Context&, const EvidencePurged& e) {
    drop_attachments(db, e.attachments);
  });
  events.on<DispensationChanged>(
    [](Database& db, const Context& context, const DispensationChanged& e) {
      notice_dispensation(db, context, e.member, e.dispensation, e.change);
    });
  events.on<RemindersDue>([](Database& db, const Context& context, const RemindersDue& e) {
    const auto queued = notice_reminders(db, context, e.due);
    e.queued = {queued.first, queued.count};
  });
  events.on<ReminderDue>([](Database& db, const Context& context, const ReminderDue& e) {
    notice_reminder(db, context, e.member, e.balance);
  });
  events.on<YearClosed>([](Database& db, const Context& context, const YearClosed& e) {
    if (e.lines != nullptr) {
      notice_year_closed(db, context, e.close, *e.lines);
    } else {
      notice_year_closed(db, context, e.close);
    }
  });
  events.on<AuditDrawn>([](Database& db, const Context& context, const AuditDrawn& e) {
    notice_audit_drawn(db, context, e.audit, e.days);
  });
  events.on<AuditReminderDue>([](Database& db, const Context& context, const AuditReminderDue& e) {
    notice_audit_reminder(db, context, e.audit, e.point, e.days_left);
  });
  events.on<AuditAnswered>([](Database& db, const Context& context, const AuditAnswered& e) {
    notice_audit_answered(db, context, e.audit);
  });
  events.on<AuditDecided>([](Database& db, const Context& context, const AuditDecided& e) {
    notice_audit_decided(db, context, e.audit, e.revoked);
  });
  return database;
}

} // namespace cpd
