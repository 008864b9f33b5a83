"""Who is calling: SigV4 verification (`sigv4`), the credentials it checks against
(`credentials`), the regions a request may be scoped to (`regions`), and AWS's errors for each
refusal (`errors`). `server/identity.py` puts them together per `--auth` mode."""
