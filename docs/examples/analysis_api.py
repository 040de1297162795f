"""Fetch the trial's export from the portal's analysis API into pandas, with its labels.

Needs pandas and pyreadstat. Set PORTAL_URL (e.g. https://portal.example.org) and PORTAL_API_TOKEN
(your personal token, fpa_..., from the data manager; keep it out of scripts) first.
"""

import os
import tempfile
import urllib.parse
import urllib.request

import pyreadstat

PORTAL = os.environ["PORTAL_URL"].rstrip("/")
TOKEN = os.environ["PORTAL_API_TOKEN"]


def fetch(path, **query):
    url = f"{PORTAL}/analysis/api/v1/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request) as response:  # raises on 4xx/5xx with the portal's message
        return response.read()


def read_sav(path, **query):
    with tempfile.NamedTemporaryFile(suffix=".sav") as file:
        file.write(fetch(path, **query))
        file.flush()
        return pyreadstat.read_sav(file.name)


wide, meta = read_sav("data/wide.sav")
families, _ = read_sav("families.sav")
bands = meta.variable_value_labels["T0_phq9_total_band"]
print(wide["T0_phq9_total_band"].map(bands).value_counts())
print(families.groupby("arm")["T0_completed_respondents"].sum())
