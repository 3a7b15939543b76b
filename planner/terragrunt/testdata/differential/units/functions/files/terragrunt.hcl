locals {
  files = "${get_repo_root()}/files"
}

inputs = {
  file          = file("${local.files}/data.txt")
  file_relative = file("../../../files/data.txt")
  filebase64    = filebase64("${local.files}/data.txt")
  fileexists    = [fileexists("${local.files}/data.txt"), fileexists("${local.files}/missing.txt")]
  json_file     = jsondecode(file("${local.files}/data.json"))
  yaml_file     = yamldecode(file("${local.files}/data.yaml"))
  csv_file      = csvdecode(file("${local.files}/data.csv"))
  templatefile  = templatefile("${local.files}/policy.tftpl", { bucket = "gen3-data", prefixes = ["a", "b"] })
  fileset          = fileset(local.files, "*.{json,yaml}")
  fileset_nested   = fileset(get_repo_root(), "files/**/data.*")
  filemd5          = filemd5("${local.files}/data.txt")
  filesha1         = filesha1("${local.files}/data.txt")
  filesha256       = filesha256("${local.files}/data.txt")
  filesha512       = filesha512("${local.files}/data.txt")
  filebase64sha256 = filebase64sha256("${local.files}/data.txt")
  filebase64sha512 = filebase64sha512("${local.files}/data.txt")
  read_tfvars_file = read_tfvars_file("${local.files}/vars.tfvars")
}
