inputs = {
  formatdate       = formatdate("YYYY-MM-DD hh:mm:ss ZZZ EEEE MMM", "2024-02-29T13:04:05Z")
  formatdate_12h   = formatdate("h:mmaa", "2024-02-29T23:04:05+02:00")
  timeadd          = timeadd("2024-02-29T23:30:00Z", "1h30m")
  timeadd_negative = timeadd("2024-01-01T00:00:00Z", "-10s")
  unstable_now     = timestamp()
}
