# Fetch the trial's export from the portal's analysis API into R, with its labels.
# Needs httr2 and haven (Debian: r-cran-httr2 r-cran-haven). Set two environment variables first:
#   PORTAL_URL        the portal's address, e.g. https://portal.example.org
#   PORTAL_API_TOKEN  your personal token (fpa_...), from the data manager; keep it out of scripts
library(httr2)
library(haven)

portal <- Sys.getenv("PORTAL_URL")
token <- Sys.getenv("PORTAL_API_TOKEN")

fetch <- function(path, ...) {
  request(portal) |>
    req_url_path_append("analysis", "api", "v1", path) |>
    req_url_query(...) |>
    req_auth_bearer_token(token) |>
    req_perform()
}

read_from_portal <- function(path, reader, ...) {
  file <- tempfile(fileext = paste0(".", tools::file_ext(path)))
  on.exit(unlink(file))
  writeBin(resp_body_raw(fetch(path, ...)), file)
  reader(file)
}

# One row per respondent, every wave side by side; bands and flags are labelled columns.
wide <- read_from_portal("data/wide.sav", read_sav)
# One row per family: arm, site, baseline month, each respondent's completion of each wave.
families <- read_from_portal("families.sav", read_sav)

table(as_factor(wide$T0_phq9_total_band))
table(families$arm, families$T0_completed_respondents)
