#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

// What one mail template is given to fill in: the placeholders its mail
// provides. A template may use only these (validate_template() refuses any
// other), and its mail provides these and no other (require_filled()).
struct TemplateFacts
{
  std::string_view template_name; // a file of data/templates without '.txt'
  std::vector<std::string_view> placeholders;
};

// Every mail template cpd sends, with its placeholders.
const std::vector<TemplateFacts>& all_template_facts();

// The facts of the template `template_name`; an unknown one is an internal
// error.
const TemplateFacts& template_facts(std::string_view template_name);

// Throws ErrorKind::internal naming the first placeholder the template
// declares that `values` lacks, or the first value it does not declare:
// what a mail fills in and what its template declares are the same set.
void require_filled(std::string_view template_name,
                    const std::map<std::string, std::string>& values);

} // namespace cpd
