#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/claims/evidence.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct AttachOptions
{
  std::string id;
  std::vector<std::string> files;
};

void
run(const AttachOptions& options, Session& session)
{
  std::vector<AttachmentFile> files;
  for (const auto& path : options.files) {
    files.push_back(attachment_file(path, session.input(path)));
  }
  const auto result =
    attach_evidence(session.db(), session.member(), parse_ids({options.id}).front(), files);
  if (session.json()) {
    print(json_array(result.added, write_attachment));
  } else {
    std::string names;
    for (const auto& info : result.added) {
      names +=
        fmt::format("{}{} ({})", names.empty() ? "" : ", ", info.name, size_phrase(info.size));
    }
    const auto count = result.claim.attachments;
    print(fmt::format("Attached {} to claim #{}{}; it now has {} file{}. The membership "
                      "secretary has been told.\n",
                      names,
                      result.claim.id,
                      result.audit_year ? fmt::format(" for the audit of {}", *result.audit_year)
                                        : std::string(),
                      count,
                      count == 1 ? "" : "s"));
  }
  session.deliver();
}

} // namespace

void
register_attach(Command& root)
{
  auto options = std::make_shared<AttachOptions>();
  auto command = root.add(
    "attach", "add evidence to your own claim: a pending one, or an approved one under audit");
  command.option("id", options->id, "the claim's number").required();
  command.option("files", options->files, "the files to attach").type_name("FILE").required();
  command.run([options](Session& session) { run(*options, session); },
              [options] { return options->files; });
}

} // namespace cpd::cli
