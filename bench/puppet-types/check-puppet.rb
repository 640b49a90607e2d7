# The Puppet side of bench/puppet-types/check-vs-puppet.ts: checks the same values against the
# same types with Puppet 7's own type system, the way a class parameter is checked (instance?,
# then the TypeMismatchDescriber for a value that fails), and prints the best time of N rounds.
require 'json'
require 'tmpdir'
require 'puppet'

work = JSON.parse(File.read(ARGV[0]))
rounds = Integer(ARGV[1] || '3')
Dir.mktmpdir('aare-bench') do |dir|
  Puppet.initialize_settings(['--confdir', "#{dir}/conf", '--vardir', "#{dir}/var", '--codedir', "#{dir}/code"])
end
types = Puppet::Pops::Types
describer = types::TypeMismatchDescriber.singleton
params = work.fetch('params')
vms = work.fetch('vms')
best = nil
failures = 0
rounds.times do
  failures = 0
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  parsed = params.map { |p| types::TypeParser.singleton.parse(p.fetch('type')) }
  vms.each do |values|
    values.each_with_index do |v, i|
      t = parsed[i]
      next if t.instance?(v)
      failures += 1
      describer.describe_mismatch("parameter '#{params[i].fetch('name')}'", t, types::TypeCalculator.infer_set(v))
    end
  end
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  best = elapsed if best.nil? || elapsed < best
end
puts JSON.generate({ 'seconds' => best, 'failures' => failures, 'puppet' => Puppet.version })
