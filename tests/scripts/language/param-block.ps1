param([string]$Name = 'x', [int]$Count = 2)
# A script's param() block binds the arguments of -File (none here: the defaults).
"Name=$Name Count=$Count"
$Count.GetType().Name
