"""Analyst exports: scored, labelled, blinded where needed (CSV, SPSS, Stata, Parquet).

The core is pure (rows in, file out): `source` holds the input rows, `layout`
turns them into a `Dataset`, `writers` put a dataset into a file. `query`
reads the rows from the main store; `service` runs a whole export. This
package never imports portal.contacts, directly or through another module.
"""
