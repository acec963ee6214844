// Package yamlstrict decodes YAML into Go structs strictly, reporting every
// problem (unknown key, wrong type, bad value) at FILE:LINE:COL instead of
// stopping at the first, as yaml.Decoder does.
//
// It resolves anchors, aliases and merge keys on the goccy/go-yaml AST,
// suggests the nearest known key for a typo ("did you mean"), and provides
// the Problem and Error types and the position helpers that the config and
// identityconfig packages share. Package-specific rules (scalar conversion,
// custom node decoding, type names in messages) plug in through the
// Decoder's hook fields.
package yamlstrict
