inputs = {
  chomp        = chomp("line\n\n")
  format       = format("%s-%03d-%.2f-%t-%q", "vpc", 7, 3.14159, true, "x")
  formatlist   = formatlist("%s=%s", ["a", "b"], ["1", "2"])
  indent       = indent(2, "a\nb\nc")
  join         = join(",", ["x", "y", "z"])
  lower        = lower("ÀBC Def")
  upper        = upper("àbc dEf")
  regex        = regex("^([a-z]+)-(\\d+)$", "gen-42")
  regex_named  = regex("(?P<env>[a-z]+)/(?P<unit>[a-z]+)", "prod/vpc")
  regexall     = regexall("[0-9]+", "a1b22c333")
  replace      = replace("a-b-c", "-", "_")
  replace_re   = replace("gen3-prod-vpc", "/-(\\w+)-/", "<$1>")
  split        = split(",", "a,b,,c")
  strrev       = strrev("héllo")
  substr       = substr("hello world", 1, 4)
  substr_tail  = substr("hello", -3, -1)
  title        = title("hello world")
  trim         = trim("?!hello?!", "!?")
  trimprefix   = trimprefix("helloworld", "hello")
  trimsuffix   = trimsuffix("helloworld", "world")
  trimspace    = trimspace("  \thi \n")
  startswith   = startswith("gen3-prod", "gen3")
  endswith     = endswith("gen3-prod", "staging")
  strcontains  = strcontains("gen3-prod", "3-p")
  interpolated = "${upper("a")}%{if true}b%{endif}%{for x in ["c", "d"]}${x}%{endfor}"
  heredoc      = <<-EOT
    indented
      more
  EOT
}
